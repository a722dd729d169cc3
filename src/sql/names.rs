//! Names as PostgreSQL resolves them: unquoted identifiers fold to lower case, quoted
//! ones are kept; a relation name is `schema.name`.

use std::fmt;

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

/// The identifier as PostgreSQL sees it.
pub fn fold(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// The parts of an object name, folded; `None` when a part is not a plain identifier.
pub fn parts(name: &ObjectName) -> Option<Vec<String>> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => Some(fold(i)),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

/// A relation or function name: schema and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A column of a relation: `schema.table.column`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ColumnName {
    pub relation: QualifiedName,
    pub column: String,
}

impl fmt::Display for ColumnName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.relation, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_identifiers_fold_to_lower_case_and_quoted_ones_are_kept() {
        assert_eq!(fold(&Ident::new("Card_NO")), "card_no");
        assert_eq!(fold(&Ident::with_quote('"', "Card_NO")), "Card_NO");
    }
}
