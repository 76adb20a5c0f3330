//! rowcol-mirror: placeholder until its issue lands.
