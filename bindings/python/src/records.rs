//! Records given from Python: dicts shaped like the serde JSON of
//! `rowcol_core::Entity` (`{"bill": {...}}`), as `rowcol.records` builds them.

use pyo3::prelude::*;
use rowcol_core::{ClientId, Entity};

use crate::convert;
use crate::error::Error;

/// Parses every record of a Python iterable, each with its JSON text (kept
/// as the raw payload when applied to a mirror). Records of another client
/// than `client` are refused, naming the first one.
pub fn parse(records: &Bound<'_, PyAny>, client: &ClientId) -> Result<Vec<(Entity, String)>, Error> {
    let mut out = Vec::new();
    for (i, item) in records.try_iter()?.enumerate() {
        let item = item?;
        let path = format!("records[{i}]");
        let json = convert::to_json(&item, &path)?;
        convert::check_currencies(&json, &path)?;
        let raw = json.to_string();
        let entity: Entity = serde_json::from_value(json).map_err(|e| {
            Error::input(format!(
                "{path}: not a record ({e}); expected {{\"bill\": {{...}}}} and the like, see rowcol.records"
            ))
        })?;
        if &entity.meta().client != client {
            return Err(Error::input(format!(
                "{path}: belongs to client {} but was given for client {client}",
                entity.meta().client
            )));
        }
        out.push((entity, raw));
    }
    Ok(out)
}

/// A client id from text, or `InvalidInputError`.
pub fn client_id(text: &str) -> Result<ClientId, Error> {
    text.parse().map_err(|e: rowcol_core::IdError| Error::Core(e.into()))
}

/// An advisor id from text, or `InvalidInputError`.
pub fn advisor_id(text: &str) -> Result<rowcol_core::AdvisorId, Error> {
    text.parse().map_err(|e: rowcol_core::IdError| Error::Core(e.into()))
}

/// `rowcol._rowcol._as_date(value, what)`: the one date conversion
/// (`convert::to_date`), for `rowcol.records` to read what a DataFrame gives.
#[pyfunction]
#[pyo3(signature = (value, what="date"))]
pub fn _as_date<'py>(value: &Bound<'py, PyAny>, what: &str) -> Result<Bound<'py, PyAny>, Error> {
    Ok(convert::date(value.py(), convert::to_date(value, what)?)?)
}
