//! What the two e-mail discovery tools share: the department a request is for (an argument of
//! request_email_discovery, a field of every answer) and a contact found.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which team's contacts to look for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Department {
    #[default]
    Any,
    Executive,
    Sales,
    Marketing,
    Engineering,
    Finance,
    Hr,
    Operations,
}

impl Department {
    const ALL: [Department; 8] = [
        Department::Any,
        Department::Executive,
        Department::Sales,
        Department::Marketing,
        Department::Engineering,
        Department::Finance,
        Department::Hr,
        Department::Operations,
    ];

    /// The department a GraphQL enum value names (`SALES`), if any.
    pub fn from_graphql(name: &str) -> Option<Department> {
        Department::ALL.into_iter().find(|d| d.graphql() == name)
    }

    /// The GraphQL enum value.
    pub fn graphql(self) -> &'static str {
        match self {
            Department::Any => "ANY",
            Department::Executive => "EXECUTIVE",
            Department::Sales => "SALES",
            Department::Marketing => "MARKETING",
            Department::Engineering => "ENGINEERING",
            Department::Finance => "FINANCE",
            Department::Hr => "HR",
            Department::Operations => "OPERATIONS",
        }
    }
}

/// A contact found at the company.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Contact {
    pub name: String,
    pub title: String,
    pub department: Department,
    pub email: String,
    /// How sure the platform is that the address reaches this person, 0 to 1.
    pub confidence: f64,
}
