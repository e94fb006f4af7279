//! Recipe scaling: ingredients with a quantity and a unit for a number of servings, a new
//! number of servings, every quantity scaled. The grammar reads "scale"/"scaler" with
//! ingredients or servings, what the quantity is called ("amount", "quantity") and what the
//! recipe makes ("servings", "portions", "a target number of cookies").

use crate::fields::field_from_label;
use crate::spec::{Field, FieldType};
use crate::text::{capitalize, has_any, plural, words};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scaler {
    /// Ingredient, quantity, unit: the form's fields, in that order.
    pub fields: Vec<Field>,
    /// What the recipe makes, plural ("Servings", "Cookies").
    pub yields: String,
}

/// Reads a recipe scaler, or `None` when the description is not one.
pub fn read(lower: &str) -> Option<Scaler> {
    // "rated on a scale of 1 to 5" is a rating, not scaling.
    let spaced = lower
        .replace('-', " ")
        .replace("on a scale", " ")
        .replace("scale of", " ");
    let scale = has_any(
        &spaced,
        &[
            "scaler",
            "scale",
            "scaled",
            "scaling",
            "rescale",
            "adjusted amounts",
            "adjust the amounts",
        ],
    );
    if !(scale
        && has_any(
            &spaced,
            &[
                "ingredient",
                "ingredients",
                "recipe",
                "servings",
                "portions",
            ],
        ))
    {
        return None;
    }
    let amount = if has_any(&spaced, &["amount", "amounts"]) {
        "Amount"
    } else {
        "Quantity"
    };
    let fields: Vec<Field> = ["Ingredient", amount, "Unit"]
        .iter()
        .filter_map(|l| field_from_label(l, vec![]))
        .zip([FieldType::Text, FieldType::Number, FieldType::Text])
        .map(|(mut f, kind)| {
            f.kind = kind;
            f.required = kind != FieldType::Text || f.key == "ingredient";
            f.unit = None;
            f
        })
        .collect();
    (fields.len() == 3).then(|| Scaler {
        fields,
        yields: yields(&spaced),
    })
}

/// "servings", "portions", "number of cookies" → what the recipe makes.
fn yields(lower: &str) -> String {
    if let Some(w) = ["servings", "portions", "people", "batches"]
        .iter()
        .find(|w| has_any(lower, &[w]))
    {
        return capitalize(w);
    }
    let ws = words(lower);
    ws.windows(3)
        .find(|w| w[0] == "number" && w[1] == "of")
        .map(|w| capitalize(&plural(&crate::text::singular(&w[2]))))
        .unwrap_or_else(|| "Servings".to_owned())
}

impl Scaler {
    pub fn describe(&self) -> String {
        format!(
            "a recipe scaler: ingredients with {} and unit, scaled from one number of {} to another",
            self.fields[1].label.to_lowercase(),
            self.yields.to_lowercase()
        )
    }

    pub fn features(&self) -> Vec<String> {
        vec![
            format!(
                "Add ingredients with a form: Ingredient, {}, Unit",
                self.fields[1].label
            ),
            format!("Original and new number of {}", self.yields.to_lowercase()),
            "Every quantity scaled as you type; edit nothing twice".to_owned(),
        ]
    }

    pub fn tagline(&self) -> String {
        format!(
            "Enter a recipe once, then scale it to any number of {}.",
            self.yields.to_lowercase()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipe_scaler_reads_servings_and_quantity() {
        let s = read("a recipe scaler: enter ingredients with quantities and units for a number of servings, then choose a new number of servings").expect("scaler");
        let labels: Vec<&str> = s.fields.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["Ingredient", "Quantity", "Unit"]);
        assert_eq!(s.yields, "Servings");
    }

    #[test]
    fn other_wording_cookies_and_amounts() {
        let s = read("scale a cookie recipe: list each ingredient with an amount and unit for the original batch size, then type a target number of cookies and get the adjusted amounts").expect("scaler");
        assert_eq!(s.fields[1].label, "Amount");
        assert_eq!(s.yields, "Cookies");
    }

    #[test]
    fn a_recipe_box_is_not_a_scaler() {
        assert!(read("a recipe box with title, ingredients and steps").is_none());
        assert!(read("a weighing scale log with date and weight").is_none());
        assert!(read("a recipe box: title, ingredients, rating on a scale of 1 to 5").is_none());
    }
}
