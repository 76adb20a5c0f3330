//! rowcol-runway: placeholder until its issue lands.
