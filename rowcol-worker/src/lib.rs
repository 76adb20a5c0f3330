//! rowcol-worker: placeholder until its issue lands.
