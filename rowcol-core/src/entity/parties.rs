//! The people and businesses a client deals with.

use serde::{Deserialize, Serialize};

use super::{Reference, SourceMeta};
use crate::Money;

/// Fields vendors and customers share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// The name shown in lists.
    pub display_name: String,
    /// The registered business name, if different.
    pub company_name: Option<String>,
    /// False once made inactive; kept because old transactions point at it.
    pub active: bool,
    /// Open balance the rail reports (owed to the vendor, or by the customer).
    pub balance: Money,
    /// Primary e-mail address.
    pub email: Option<String>,
    /// Default payment terms.
    pub terms: Option<Reference>,
}

/// Someone the business pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vendor {
    /// Common party fields.
    pub party: Party,
    /// True when the vendor gets a 1099 (US).
    pub is_1099: bool,
}

/// Someone who pays the business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Common party fields.
    pub party: Party,
}
