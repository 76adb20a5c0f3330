//! Name lists that code transactions without moving money: products and
//! services, classes and departments (QBO's "locations").

use serde::{Deserialize, Serialize};

use super::{Reference, SourceMeta};

/// A product or service sold or bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Name.
    pub name: String,
    /// Full name with parents (`Services:Consulting`).
    pub fully_qualified_name: Option<String>,
    /// What it is, as the rail names it (`Service`, `Inventory`, ...).
    pub item_type: Option<String>,
    /// The income account its sales post to.
    pub income_account: Option<Reference>,
    /// The expense account its purchases post to.
    pub expense_account: Option<Reference>,
    /// False once made inactive.
    pub active: bool,
}

/// A class or a department: a tag for splitting figures, with an optional
/// parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Name.
    pub name: String,
    /// Full name with parents.
    pub fully_qualified_name: Option<String>,
    /// The parent segment, for a sub-class or sub-department.
    pub parent: Option<Reference>,
    /// False once made inactive.
    pub active: bool,
}
