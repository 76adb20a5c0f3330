//! How a digest is shown: a terminal table, JSON, or a self-contained HTML
//! report with charts.
