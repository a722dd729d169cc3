//! [`TypeOid`]: the OID of a PostgreSQL type, as in RowDescription and Parse.

use std::fmt;

/// A type OID. Constants cover the built-in types the value codecs support.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeOid(pub u32);

impl TypeOid {
    /// `bool`
    pub const BOOL: TypeOid = TypeOid(16);
    /// `bytea`
    pub const BYTEA: TypeOid = TypeOid(17);
    /// `name` (identifiers, at most 63 bytes)
    pub const NAME: TypeOid = TypeOid(19);
    /// `int8` / `bigint`
    pub const INT8: TypeOid = TypeOid(20);
    /// `int2` / `smallint`
    pub const INT2: TypeOid = TypeOid(21);
    /// `int4` / `integer`
    pub const INT4: TypeOid = TypeOid(23);
    /// `text`
    pub const TEXT: TypeOid = TypeOid(25);
    /// `json`
    pub const JSON: TypeOid = TypeOid(114);
    /// `float4` / `real`
    pub const FLOAT4: TypeOid = TypeOid(700);
    /// `float8` / `double precision`
    pub const FLOAT8: TypeOid = TypeOid(701);
    /// `bpchar` / `char(n)`
    pub const BPCHAR: TypeOid = TypeOid(1042);
    /// `varchar` / `character varying(n)`
    pub const VARCHAR: TypeOid = TypeOid(1043);
    /// `date`
    pub const DATE: TypeOid = TypeOid(1082);
    /// `timestamp` (without time zone)
    pub const TIMESTAMP: TypeOid = TypeOid(1114);
    /// `timestamptz` (with time zone)
    pub const TIMESTAMPTZ: TypeOid = TypeOid(1184);
    /// `numeric` / `decimal`
    pub const NUMERIC: TypeOid = TypeOid(1700);
    /// `uuid`
    pub const UUID: TypeOid = TypeOid(2950);
    /// `jsonb`
    pub const JSONB: TypeOid = TypeOid(3802);

    /// Every type the binary codecs support.
    pub const SUPPORTED: &'static [TypeOid] = &[
        TypeOid::BOOL,
        TypeOid::BYTEA,
        TypeOid::NAME,
        TypeOid::INT8,
        TypeOid::INT2,
        TypeOid::INT4,
        TypeOid::TEXT,
        TypeOid::JSON,
        TypeOid::FLOAT4,
        TypeOid::FLOAT8,
        TypeOid::BPCHAR,
        TypeOid::VARCHAR,
        TypeOid::DATE,
        TypeOid::TIMESTAMP,
        TypeOid::TIMESTAMPTZ,
        TypeOid::NUMERIC,
        TypeOid::UUID,
        TypeOid::JSONB,
    ];

    /// The type's SQL name, for messages, if it is one we know.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            TypeOid::BOOL => "bool",
            TypeOid::BYTEA => "bytea",
            TypeOid::NAME => "name",
            TypeOid::INT8 => "int8",
            TypeOid::INT2 => "int2",
            TypeOid::INT4 => "int4",
            TypeOid::TEXT => "text",
            TypeOid::JSON => "json",
            TypeOid::FLOAT4 => "float4",
            TypeOid::FLOAT8 => "float8",
            TypeOid::BPCHAR => "bpchar",
            TypeOid::VARCHAR => "varchar",
            TypeOid::DATE => "date",
            TypeOid::TIMESTAMP => "timestamp",
            TypeOid::TIMESTAMPTZ => "timestamptz",
            TypeOid::NUMERIC => "numeric",
            TypeOid::UUID => "uuid",
            TypeOid::JSONB => "jsonb",
            _ => return None,
        })
    }

    /// Whether values of this type are plain text in either format (`text`,
    /// `varchar`, `bpchar`, `name`).
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR | TypeOid::NAME
        )
    }

    /// Whether the binary codecs support this type.
    pub fn is_supported(self) -> bool {
        self.name().is_some()
    }
}

impl fmt::Display for TypeOid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "type {}", self.0),
        }
    }
}

impl fmt::Debug for TypeOid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypeOid({}: {self})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_type_has_a_name() {
        assert!(TypeOid::SUPPORTED.iter().all(|t| t.is_supported()));
        assert_eq!(TypeOid(600).to_string(), "type 600");
        assert_eq!(TypeOid::NUMERIC.to_string(), "numeric");
    }
}
