//! OpenAPI schemas (feature `openapi`) for the types with hand-written serde: the
//! forward-compatible string enums (`wire_enum!`, [`Step`](crate::Step)) and
//! [`ErrorCode`]. Structs derive `utoipa::ToSchema` where they are defined.
//!
//! An enum's schema lists the values this build knows; a newer peer may send others (they
//! decode to `Unknown`), which is why the Rust types are not closed enums.

use crate::codes::ErrorCode;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;

/// Joins doc-comment lines (`#[doc = " text"]`) into one paragraph.
fn join(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A string schema: the type's docs, then one line per known value with its docs; the known
/// values as `enum`.
pub(crate) fn string_enum(doc: &[&str], values: &[(&str, &[&str])]) -> RefOr<Schema> {
    let mut description = join(doc);
    description.push('\n');
    for (wire, vdoc) in values {
        description.push_str(&format!("\n- `{wire}`: {}", join(vdoc)));
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values.iter().map(|(wire, _)| *wire)))
        .into()
}

/// The 155xxx code as an integer, listing every code this build knows.
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .description(Some(
                "A Latchkey error code (155xxx); see docs/protocol.md for each code's meaning.",
            ))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.code())))
            .examples([ErrorCode::IncorrectPin.code()])
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}
