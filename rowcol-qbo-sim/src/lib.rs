//! rowcol-qbo-sim: placeholder until its issue lands.
