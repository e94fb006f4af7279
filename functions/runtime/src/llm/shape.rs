//! The shape an answer type reads, taken from its `Deserialize` impl, and the check that an
//! agent's JSON Schema file describes that same shape.
//!
//! Why: each answer shape exists once, as a Rust type; the schema file (sent to the provider as
//! structured output, and overridable) must not drift from it. Rather than a second hand-written
//! description, [`of`] drives the type's own `Deserialize` impl with a probing deserializer that
//! records which fields, lists, enums and scalars it asks for. [`check`] then walks the schema
//! file against that record; a test runs it on every built-in agent and loading runs it on every
//! override, so drift fails a test or the start, never a model call.

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a type reads from JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Any JSON value (`serde_json::Value`): the code does not look inside.
    Any,
    Bool,
    Integer,
    Number,
    String,
    /// A string out of these (a Rust enum of unit variants).
    Enum(BTreeSet<String>),
    Array(Box<Shape>),
    Object(BTreeMap<String, Shape>),
    /// Tolerated when absent or null; otherwise the inner shape.
    Optional(Box<Shape>),
}

/// The shape `T`'s `Deserialize` impl reads; an error for what JSON Schema objects cannot say
/// the same way (maps, tuples, enums with data).
pub fn of<T: DeserializeOwned>() -> Result<Shape, String> {
    let mut shape = Shape::Any;
    T::deserialize(Probe { slot: &mut shape }).map_err(|e| e.to_string())?;
    Ok(shape)
}

/// Every place where `schema` and `shape` disagree, each with its JSON path; empty when they
/// agree. Objects must list every property in `required` and forbid others (strict structured
/// output needs both).
pub fn check(schema: &Value, shape: &Shape) -> Vec<String> {
    let mut out = Vec::new();
    walk(schema, shape, "$", &mut out);
    out
}

fn walk(schema: &Value, shape: &Shape, at: &str, out: &mut Vec<String>) {
    let kind = schema["type"].as_str();
    match (shape, kind) {
        (Shape::Optional(inner), _) => walk(schema, inner, at, out),
        (Shape::Any, _) => {}
        (_, None) if schema.get("anyOf").is_some() => out.push(format!(
            "{at}: the schema allows several types, the type reads {shape:?}"
        )),
        (Shape::Object(fields), Some("object")) => walk_object(schema, fields, at, out),
        (Shape::Array(item), Some("array")) => {
            walk(&schema["items"], item, &format!("{at}[]"), out)
        }
        (Shape::Enum(names), Some("string")) => {
            let listed: BTreeSet<String> = schema["enum"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if &listed != names {
                out.push(format!(
                    "{at}: the schema's enum is {listed:?}, the type's is {names:?}"
                ));
            }
        }
        (Shape::String, Some("string")) if schema.get("enum").is_some() => out.push(format!(
            "{at}: the schema limits the string to an enum, the type reads any string"
        )),
        (Shape::String, Some("string"))
        | (Shape::Bool, Some("boolean"))
        | (Shape::Integer, Some("integer"))
        | (Shape::Number | Shape::Integer, Some("number")) => {}
        (shape, kind) => out.push(format!(
            "{at}: the schema says {}, the type reads {shape:?}",
            kind.unwrap_or("no type")
        )),
    }
}

fn walk_object(schema: &Value, fields: &BTreeMap<String, Shape>, at: &str, out: &mut Vec<String>) {
    let empty = serde_json::Map::new();
    let props = schema["properties"].as_object().unwrap_or(&empty);
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for name in props.keys() {
        if !fields.contains_key(name) {
            out.push(format!("{at}.{name}: in the schema, not in the type"));
        }
        if !required.contains(name.as_str()) {
            out.push(format!(
                "{at}.{name}: not in `required` (strict output needs every property)"
            ));
        }
    }
    for (name, shape) in fields {
        match props.get(name) {
            Some(sub) => walk(sub, shape, &format!("{at}.{name}"), out),
            None => out.push(format!("{at}.{name}: in the type, not in the schema")),
        }
    }
    if schema["additionalProperties"] != Value::Bool(false) {
        out.push(format!("{at}: `additionalProperties` must be false"));
    }
}

type ProbeError = de::value::Error;

/// A deserializer that answers every request with a minimal value and writes down what was
/// requested into `slot`.
struct Probe<'a> {
    slot: &'a mut Shape,
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.slot = Shape::Any;
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.slot = Shape::Bool;
        visitor.visit_bool(false)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.slot = Shape::Integer;
        visitor.visit_u64(0)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.slot = Shape::Number;
        visitor.visit_f64(0.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        *self.slot = Shape::String;
        visitor.visit_string(String::new())
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        let mut inner = Shape::Any;
        let value = visitor.visit_some(Probe { slot: &mut inner })?;
        *self.slot = Shape::Optional(Box::new(inner));
        Ok(value)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        let mut item = Shape::Any;
        let value = visitor.visit_seq(OneItem {
            slot: &mut item,
            given: false,
        })?;
        *self.slot = Shape::Array(Box::new(item));
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        let mut shapes = BTreeMap::new();
        let value = visitor.visit_map(Fields {
            names: fields.iter(),
            current: None,
            shapes: &mut shapes,
        })?;
        *self.slot = Shape::Object(shapes);
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        *self.slot = Shape::Enum(variants.iter().map(|v| (*v).to_owned()).collect());
        let first = variants
            .first()
            .ok_or_else(|| de::Error::custom("an enum without variants"))?;
        visitor.visit_enum(UnitVariant(first))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_unit()
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ProbeError> {
        Err(de::Error::custom("maps have no fixed shape; use a struct"))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, ProbeError> {
        Err(de::Error::custom(
            "tuples are not JSON Schema objects; use a struct",
        ))
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u128 f32 char bytes byte_buf unit unit_struct tuple_struct
        identifier
    }
}

/// A list of exactly one probed item.
struct OneItem<'a> {
    slot: &'a mut Shape,
    given: bool,
}

impl<'de> de::SeqAccess<'de> for OneItem<'_> {
    type Error = ProbeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ProbeError> {
        if std::mem::replace(&mut self.given, true) {
            return Ok(None);
        }
        seed.deserialize(Probe { slot: self.slot }).map(Some)
    }
}

/// Every field of a struct, each with a probed value.
struct Fields<'a> {
    names: std::slice::Iter<'static, &'static str>,
    current: Option<&'static str>,
    shapes: &'a mut BTreeMap<String, Shape>,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ProbeError> {
        let Some(name) = self.names.next() else {
            return Ok(None);
        };
        self.current = Some(name);
        seed.deserialize((*name).into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ProbeError> {
        let name = self.current.take().unwrap_or_default();
        let slot = self.shapes.entry(name.to_owned()).or_insert(Shape::Any);
        seed.deserialize(Probe { slot })
    }
}

/// The first variant of an enum, which must be a unit variant.
struct UnitVariant(&'static str);

impl<'de> de::EnumAccess<'de> for UnitVariant {
    type Error = ProbeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), ProbeError> {
        let v = seed.deserialize(self.0.into_deserializer())?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant {
    type Error = ProbeError;

    fn unit_variant(self) -> Result<(), ProbeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        _seed: T,
    ) -> Result<T::Value, ProbeError> {
        Err(de::Error::custom(
            "only enums of unit variants have a JSON Schema string shape",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, ProbeError> {
        Err(de::Error::custom(
            "only enums of unit variants have a JSON Schema string shape",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ProbeError> {
        Err(de::Error::custom(
            "only enums of unit variants have a JSON Schema string shape",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize)]
    #[allow(dead_code)] // read only through its Deserialize impl
    struct Sample {
        name: String,
        #[serde(default)]
        tags: Vec<String>,
        kind: Kind,
        extra: Value,
        note: Option<String>,
        count: u32,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        One,
        TwoWords,
    }

    fn sample_schema() -> Value {
        json!({
            "type": "object", "additionalProperties": false,
            "required": ["name", "tags", "kind", "extra", "note", "count"],
            "properties": {
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "kind": {"type": "string", "enum": ["one", "two_words"]},
                "extra": {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
                "note": {"type": "string"},
                "count": {"type": "integer"}
            }
        })
    }

    #[test]
    fn a_type_and_its_schema_agree() {
        let shape = of::<Sample>().expect("shape");
        assert_eq!(check(&sample_schema(), &shape), Vec::<String>::new());
    }

    #[test]
    fn every_kind_of_drift_is_named_with_its_path() {
        let shape = of::<Sample>().expect("shape");
        let drift = |edit: &dyn Fn(&mut Value), expected: &str| {
            let mut s = sample_schema();
            edit(&mut s);
            let found = check(&s, &shape);
            assert!(
                found.iter().any(|f| f.contains(expected)),
                "{expected}: {found:?}"
            );
        };
        drift(
            &|s| s["properties"]["age"] = json!({"type": "integer"}),
            "$.age: in the schema",
        );
        drift(
            &|s| drop(s["properties"].as_object_mut().map(|p| p.remove("name"))),
            "$.name: in the type",
        );
        drift(
            &|s| s["properties"]["tags"]["items"] = json!({"type": "boolean"}),
            "$.tags[]: the schema says boolean",
        );
        drift(
            &|s| s["properties"]["kind"]["enum"] = json!(["one", "three"]),
            "$.kind: the schema's enum",
        );
        drift(
            &|s| s["properties"]["count"] = json!({"type": "string"}),
            "$.count: the schema says string",
        );
        drift(
            &|s| s["required"] = json!(["name"]),
            "$.tags: not in `required`",
        );
        drift(
            &|s| s["additionalProperties"] = json!(true),
            "$: `additionalProperties`",
        );
    }
}
