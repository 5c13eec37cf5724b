//! The JSON Schema of a template's claims, claim validation, and typed claim values.

use crate::BuildError;
use cgrid_shared::{ClaimValue, CptId, CptProperty, CptTemplate, PropertyType};
use ink::primitives::AccountId;
use serde_json::{json, Map, Value};

/// The JSON Schema (2020-12) of a template's `credentialSubject` claims.
pub fn json_schema(template: &CptTemplate) -> Value {
    let mut properties = Map::new();
    for p in &template.properties {
        let mut s = match p.property_type {
            PropertyType::String => json!({"type": "string"}),
            PropertyType::Integer => json!({"type": "integer"}),
            PropertyType::Decimal { scale } => json!({
                "type": "string",
                "pattern": decimal_pattern(scale),
            }),
            PropertyType::Boolean => json!({"type": "boolean"}),
            PropertyType::Timestamp => json!({"type": "integer", "minimum": 0}),
        };
        if !p.description.is_empty() {
            s["description"] = json!(p.description);
        }
        if !p.allowed.is_empty() {
            s["enum"] = json!(p.allowed);
        }
        properties.insert(p.name.clone(), s);
    }
    let required: Vec<&str> = template
        .properties
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": template.title,
        "description": template.description,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The URN that names a template of a registry: `urn:cgrid:cpt:<registry 0x-hex>:<cpt id>`. A
/// credential's `credentialSchema.id` and the `$id` of [`json_schema_with_id`] are this URN.
pub fn cpt_urn(registry: &AccountId, cpt_id: CptId) -> String {
    format!("urn:cgrid:cpt:{}:{cpt_id}", crate::hex32(registry.as_ref()))
}

/// [`json_schema`] with `$id` set to [`cpt_urn`]: the schema a credential's `credentialSchema`
/// names (what `cgrid cpt show --schema` serves).
pub fn json_schema_with_id(template: &CptTemplate, registry: &AccountId, cpt_id: CptId) -> Value {
    let mut schema = json_schema(template);
    schema["$id"] = json!(cpt_urn(registry, cpt_id));
    schema
}

fn decimal_pattern(scale: u8) -> String {
    if scale == 0 {
        "^-?[0-9]+$".into()
    } else {
        format!("^-?[0-9]+(\\.[0-9]{{1,{scale}}})?$")
    }
}

/// Validates `claims` against the template's JSON Schema; the error names the first bad field.
pub fn validate_claims(template: &CptTemplate, claims: &Value) -> Result<(), BuildError> {
    if !claims.is_object() {
        return Err(BuildError::NotAnObject);
    }
    let schema = json_schema(template);
    let validator = jsonschema::validator_for(&schema).map_err(|e| BuildError::Schema {
        field: String::new(),
        message: format!("template schema: {e}"),
    })?;
    if let Some(error) = validator.iter_errors(claims).next() {
        return Err(BuildError::Schema {
            field: field_of(&error),
            message: error.to_string(),
        });
    }
    Ok(())
}

fn field_of(error: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as Kind;
    match error.kind() {
        // Errors about the object itself sit at its root: the field is in the error kind.
        Kind::Required { property } => property.as_str().unwrap_or_default().to_string(),
        Kind::AdditionalProperties { unexpected } => unexpected.join(", "),
        _ => error
            .instance_path()
            .to_string()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// The typed value of one claim (already schema-valid).
pub fn claim_value(property: &CptProperty, value: &Value) -> Result<ClaimValue, BuildError> {
    let bad = |message: &str| BuildError::Schema {
        field: property.name.clone(),
        message: message.into(),
    };
    Ok(match property.property_type {
        PropertyType::String => {
            ClaimValue::String(value.as_str().ok_or_else(|| bad("not a string"))?.into())
        }
        PropertyType::Integer => ClaimValue::Integer(i128::from(
            value.as_i64().ok_or_else(|| bad("not an integer"))?,
        )),
        PropertyType::Decimal { scale } => ClaimValue::Decimal(
            parse_decimal(
                value.as_str().ok_or_else(|| bad("not a decimal string"))?,
                scale,
            )
            .ok_or_else(|| bad("not a decimal of this scale"))?,
        ),
        PropertyType::Boolean => {
            ClaimValue::Boolean(value.as_bool().ok_or_else(|| bad("not a boolean"))?)
        }
        PropertyType::Timestamp => {
            ClaimValue::Timestamp(value.as_u64().ok_or_else(|| bad("not a timestamp"))?)
        }
    })
}

/// "12.5" at scale 2 → 1250.
pub fn parse_decimal(s: &str, scale: u8) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty()
        || frac.len() > usize::from(scale)
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let padded = format!("{int}{frac:0<width$}", width = usize::from(scale));
    let v: i128 = padded.parse().ok()?;
    Some(if neg { -v } else { v })
}
