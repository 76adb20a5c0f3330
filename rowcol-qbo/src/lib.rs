//! rowcol-qbo: placeholder until its issue lands.
