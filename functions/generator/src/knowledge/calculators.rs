//! Calculator formulas the generator can build, recognised by the quantities a description
//! names. Expressions are TypeScript over `v.<key>` and come only from this file.

use crate::spec::{CalcInput, CalcOutput, CalculatorSpec, Field, FieldType, OutputFormat};
use crate::text::has_any;

fn input(key: &str, label: &str, unit: Option<&str>, initial: &str, min: Option<f64>) -> CalcInput {
    CalcInput {
        key: key.to_owned(),
        label: label.to_owned(),
        unit: unit.map(str::to_owned),
        initial: initial.to_owned(),
        min,
    }
}

fn output(label: &str, format: OutputFormat, expr: &str) -> CalcOutput {
    CalcOutput {
        label: label.to_owned(),
        format,
        expr: expr.to_owned(),
    }
}

/// (words naming unit A, label A, words naming unit B, label B, B per A).
type UnitPair = (
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
    &'static str,
    f64,
);

/// Words naming millilitres, the B side of the kitchen-measure pairs.
const ML: &[&str] = &[
    "millilitres",
    "milliliters",
    "millilitre",
    "milliliter",
    "ml",
];

/// Linear unit pairs.
const CONVERSIONS: &[UnitPair] = &[
    (
        &["km", "kilometers", "kilometres", "kilometer", "kilometre"],
        "kilometres",
        &["miles", "mile", "mi"],
        "miles",
        0.621371,
    ),
    (
        &["kg", "kilograms", "kilogram", "kilos"],
        "kilograms",
        &["pounds", "lb", "lbs", "pound"],
        "pounds",
        2.204623,
    ),
    (
        &["cm", "centimeters", "centimetres"],
        "centimetres",
        &["inches", "inch", "in"],
        "inches",
        0.393701,
    ),
    (
        &["meters", "metres", "meter", "metre", "m"],
        "metres",
        &["feet", "foot", "ft"],
        "feet",
        3.28084,
    ),
    (
        &["liters", "litres", "liter", "litre", "l"],
        "litres",
        &["gallons", "gallon", "gal"],
        "US gallons",
        0.264172,
    ),
    (
        &["grams", "gram", "g"],
        "grams",
        &["ounces", "ounce", "oz"],
        "ounces",
        0.035274,
    ),
    (&["km/h", "kph", "kmh"], "km/h", &["mph"], "mph", 0.621371),
    (&["cups", "cup"], "cups", ML, "millilitres", 236.588),
    (
        &["tablespoons", "tablespoon", "tbsp"],
        "tablespoons",
        ML,
        "millilitres",
        14.7868,
    ),
    (
        &["teaspoons", "teaspoon", "tsp"],
        "teaspoons",
        ML,
        "millilitres",
        4.92892,
    ),
];

/// The calculator a description asks for, or None when it names no quantities at all.
pub fn calculator_for(text: &str, fields: &[Field]) -> CalculatorSpec {
    let lower = text.to_lowercase();
    let t = lower.as_str();
    if has_any(t, &["tip", "gratuity"]) {
        return CalculatorSpec {
            formula: "tip".into(),
            inputs: vec![
                input("bill", "Bill amount", None, "50", Some(0.0)),
                input("tipPercent", "Tip percentage", Some("%"), "15", Some(0.0)),
                input("people", "Number of people", None, "2", Some(1.0)),
            ],
            outputs: vec![
                output(
                    "Tip amount",
                    OutputFormat::Money,
                    "(v.bill * v.tipPercent) / 100",
                ),
                output(
                    "Total bill",
                    OutputFormat::Money,
                    "v.bill * (1 + v.tipPercent / 100)",
                ),
                output(
                    "Tip per person",
                    OutputFormat::Money,
                    "(v.bill * v.tipPercent) / 100 / Math.max(1, v.people)",
                ),
                output(
                    "Total per person",
                    OutputFormat::Money,
                    "(v.bill * (1 + v.tipPercent / 100)) / Math.max(1, v.people)",
                ),
            ],
        };
    }
    if has_any(t, &["bmi", "body mass"]) {
        return CalculatorSpec {
            formula: "bmi".into(),
            inputs: vec![
                input("weight", "Weight", Some("kg"), "70", Some(1.0)),
                input("height", "Height", Some("cm"), "175", Some(1.0)),
            ],
            outputs: vec![
                output(
                    "BMI",
                    OutputFormat::Number,
                    "v.weight / ((v.height / 100) * (v.height / 100))",
                ),
                output(
                    "Category",
                    OutputFormat::Text,
                    "((b: number) => (b < 18.5 ? \"Underweight\" : b < 25 ? \"Healthy weight\" : b < 30 ? \"Overweight\" : \"Obese\"))(v.weight / ((v.height / 100) * (v.height / 100)))",
                ),
            ],
        };
    }
    if has_any(
        t,
        &[
            "loan",
            "mortgage",
            "repayment",
            "car payment",
            "amortization",
            "amortisation",
        ],
    ) {
        // "house price, deposit": the loan is the price less the deposit.
        let deposit = ["down payment", "downpayment", "deposit"]
            .into_iter()
            .find(|w| has_any(t, &[w]));
        let principal = if deposit.is_some() {
            "(v.price - v.deposit)"
        } else {
            "v.principal"
        };
        let monthly = format!(
            "({principal} > 0 ? (v.rate > 0 ? ({principal} * (v.rate / 1200)) / (1 - Math.pow(1 + v.rate / 1200, -v.years * 12)) : {principal} / (v.years * 12)) : 0)"
        );
        let mut inputs = match deposit {
            Some(d) => vec![
                input(
                    "price",
                    if has_any(t, &["house", "home", "property", "flat", "apartment"]) {
                        "House price"
                    } else {
                        "Purchase price"
                    },
                    None,
                    "300000",
                    Some(0.0),
                ),
                input(
                    "deposit",
                    &crate::text::capitalize(d),
                    None,
                    "60000",
                    Some(0.0),
                ),
            ],
            None => vec![input("principal", "Loan amount", None, "200000", Some(0.0))],
        };
        inputs.push(input(
            "rate",
            "Annual interest rate",
            Some("%"),
            "5",
            Some(0.0),
        ));
        inputs.push(input("years", "Loan term", Some("years"), "25", Some(1.0)));
        let mut outputs = vec![];
        if deposit.is_some() {
            outputs.push(output("Loan amount", OutputFormat::Money, principal));
        }
        outputs.extend([
            output("Monthly payment", OutputFormat::Money, &monthly),
            output(
                "Total paid",
                OutputFormat::Money,
                &format!("{monthly} * v.years * 12"),
            ),
            output(
                "Total interest",
                OutputFormat::Money,
                &format!("{monthly} * v.years * 12 - {principal}"),
            ),
        ]);
        return CalculatorSpec {
            formula: "loan".into(),
            inputs,
            outputs,
        };
    }
    if has_any(
        t,
        &[
            "compound interest",
            "savings",
            "investment",
            "invest",
            "retirement",
            "interest",
        ],
    ) {
        let fv = "(v.initial * Math.pow(1 + v.rate / 1200, v.years * 12) + (v.rate > 0 ? v.monthly * ((Math.pow(1 + v.rate / 1200, v.years * 12) - 1) / (v.rate / 1200)) : v.monthly * v.years * 12))";
        return CalculatorSpec {
            formula: "savings".into(),
            inputs: vec![
                input("initial", "Initial deposit", None, "1000", Some(0.0)),
                input("monthly", "Monthly contribution", None, "100", Some(0.0)),
                input("rate", "Annual interest rate", Some("%"), "5", Some(0.0)),
                input("years", "Years", None, "10", Some(0.0)),
            ],
            outputs: vec![
                output("Future value", OutputFormat::Money, fv),
                output(
                    "Total contributed",
                    OutputFormat::Money,
                    "v.initial + v.monthly * v.years * 12",
                ),
                output(
                    "Interest earned",
                    OutputFormat::Money,
                    &format!("{fv} - (v.initial + v.monthly * v.years * 12)"),
                ),
            ],
        };
    }
    if has_any(t, &["discount", "sale price", "percent off", "% off"]) {
        return CalculatorSpec {
            formula: "discount".into(),
            inputs: vec![
                input("price", "Original price", None, "80", Some(0.0)),
                input("discount", "Discount", Some("%"), "20", Some(0.0)),
            ],
            outputs: vec![
                output(
                    "You save",
                    OutputFormat::Money,
                    "(v.price * v.discount) / 100",
                ),
                output(
                    "Final price",
                    OutputFormat::Money,
                    "v.price * (1 - v.discount / 100)",
                ),
            ],
        };
    }
    if has_any(t, &["vat", "sales tax", "tax"]) {
        return CalculatorSpec {
            formula: "tax".into(),
            inputs: vec![
                input("amount", "Amount before tax", None, "100", Some(0.0)),
                input("rate", "Tax rate", Some("%"), "20", Some(0.0)),
            ],
            outputs: vec![
                output("Tax", OutputFormat::Money, "(v.amount * v.rate) / 100"),
                output(
                    "Total with tax",
                    OutputFormat::Money,
                    "v.amount * (1 + v.rate / 100)",
                ),
            ],
        };
    }
    if has_any(t, &["celsius", "fahrenheit", "temperature"]) {
        let f_first = match (t.find("fahrenheit"), t.find("celsius")) {
            (Some(f), Some(c)) => f < c,
            (Some(_), None) => true,
            _ => false,
        };
        return if f_first {
            CalculatorSpec {
                formula: "temperature".into(),
                inputs: vec![input(
                    "fahrenheit",
                    "Temperature in Fahrenheit",
                    Some("°F"),
                    "68",
                    None,
                )],
                outputs: vec![
                    output(
                        "Celsius (°C)",
                        OutputFormat::Number,
                        "((v.fahrenheit - 32) * 5) / 9",
                    ),
                    output(
                        "Kelvin (K)",
                        OutputFormat::Number,
                        "((v.fahrenheit - 32) * 5) / 9 + 273.15",
                    ),
                ],
            }
        } else {
            CalculatorSpec {
                formula: "temperature".into(),
                inputs: vec![input(
                    "celsius",
                    "Temperature in Celsius",
                    Some("°C"),
                    "20",
                    None,
                )],
                outputs: vec![
                    output(
                        "Fahrenheit (°F)",
                        OutputFormat::Number,
                        "(v.celsius * 9) / 5 + 32",
                    ),
                    output("Kelvin (K)", OutputFormat::Number, "v.celsius + 273.15"),
                ],
            }
        };
    }
    if let Some(spec) = currency(t) {
        return spec;
    }
    if has_any(t, &["fuel", "gas mileage", "petrol", "trip cost"]) {
        return CalculatorSpec {
            formula: "fuel".into(),
            inputs: vec![
                input("distance", "Distance", Some("km"), "300", Some(0.0)),
                input(
                    "consumption",
                    "Fuel consumption",
                    Some("L/100 km"),
                    "6.5",
                    Some(0.0),
                ),
                input("price", "Fuel price per litre", None, "1.8", Some(0.0)),
            ],
            outputs: vec![
                output(
                    "Fuel needed (litres)",
                    OutputFormat::Number,
                    "(v.distance * v.consumption) / 100",
                ),
                output(
                    "Trip cost",
                    OutputFormat::Money,
                    "((v.distance * v.consumption) / 100) * v.price",
                ),
            ],
        };
    }
    let words = crate::text::words(t);
    let names = |list: &[&str]| words.iter().position(|w| list.contains(&w.as_str()));
    // Every pair of units the description names, in the order it names them ("cups to
    // millilitres and ounces to grams" is two conversions).
    let mut pairs: Vec<(usize, &str, &str, bool, f64)> = CONVERSIONS
        .iter()
        .filter_map(|(a_words, a, b_words, b, factor)| {
            let (pa, pb) = (names(a_words)?, names(b_words)?);
            Some(if pa <= pb {
                (pa, *a, *b, true, *factor)
            } else {
                (pb, *b, *a, false, *factor)
            })
        })
        .collect();
    pairs.sort_by_key(|p| p.0);
    // A unit converts once: "teaspoons to ml" does not also make "cups to ml" unless named.
    let mut used: Vec<&str> = vec![];
    pairs.retain(|(_, from, _, _, _)| {
        let fresh = !used.contains(from);
        used.push(from);
        fresh
    });
    if !pairs.is_empty() {
        let single = pairs.len() == 1;
        let mut inputs = vec![];
        let mut outputs = vec![];
        for (_, from, to, forward, factor) in pairs {
            let key = if single {
                "value".to_owned()
            } else {
                crate::text::ident(from)
            };
            let expr = if forward {
                format!("v.{key} * {factor}")
            } else {
                format!("v.{key} / {factor}")
            };
            inputs.push(input(&key, &format!("Value in {from}"), None, "10", None));
            let what = if single {
                "Value".to_owned()
            } else {
                crate::text::capitalize(from)
            };
            outputs.push(output(
                &format!("{what} in {to}"),
                OutputFormat::Number,
                &expr,
            ));
        }
        return CalculatorSpec {
            formula: "conversion".into(),
            inputs,
            outputs,
        };
    }
    if has_any(t, &["percentage", "percent of", "what percent"]) {
        return CalculatorSpec {
            formula: "percentage".into(),
            inputs: vec![
                input("part", "Part", None, "25", None),
                input("whole", "Whole", None, "200", None),
            ],
            outputs: vec![
                output(
                    "Percentage",
                    OutputFormat::Percent,
                    "v.whole !== 0 ? (v.part / v.whole) * 100 : NaN",
                ),
                output("Remaining", OutputFormat::Number, "v.whole - v.part"),
            ],
        };
    }
    generic(fields)
}

/// (words naming it, ISO code, example units per US dollar). Offline there are no live rates,
/// so the rate is an input the user can correct.
const CURRENCIES: &[(&[&str], &str, f64)] = &[
    (&["usd", "dollar", "dollars", "us$"], "USD", 1.0),
    (&["eur", "euro", "euros"], "EUR", 0.92),
    (&["gbp", "sterling", "british pounds"], "GBP", 0.79),
    (&["jpy", "yen"], "JPY", 150.0),
    (&["inr", "rupee", "rupees"], "INR", 83.0),
    (&["cny", "yuan", "rmb"], "CNY", 7.2),
    (&["cad", "canadian dollars"], "CAD", 1.36),
    (&["aud", "australian dollars"], "AUD", 1.52),
    (&["chf", "swiss francs", "franc", "francs"], "CHF", 0.88),
    (&["mxn", "peso", "pesos"], "MXN", 17.0),
];

fn currency(t: &str) -> Option<CalculatorSpec> {
    let words = crate::text::words(t);
    let mut found: Vec<(usize, &str, f64)> = CURRENCIES
        .iter()
        .filter_map(|(keys, code, rate)| {
            let pos = keys
                .iter()
                .filter_map(|k| {
                    let kw = crate::text::words(k);
                    words.windows(kw.len()).position(|w| w == kw.as_slice())
                })
                .min()?;
            Some((pos, *code, *rate))
        })
        .collect();
    let asked = has_any(t, &["currency", "exchange", "exchange rate"]) || found.len() >= 2;
    if !asked {
        return None;
    }
    found.sort_by_key(|(p, _, _)| *p);
    let (from, from_rate) = found
        .first()
        .map(|(_, c, r)| (*c, *r))
        .unwrap_or(("USD", 1.0));
    let (to, to_rate) = found
        .get(1)
        .map(|(_, c, r)| (*c, *r))
        .unwrap_or(if from == "EUR" {
            ("USD", 1.0)
        } else {
            ("EUR", 0.92)
        });
    let rate = to_rate / from_rate;
    Some(CalculatorSpec {
        formula: "currency".into(),
        inputs: vec![
            input(
                "amount",
                &format!("Amount in {from}"),
                None,
                "100",
                Some(0.0),
            ),
            input(
                "rate",
                &format!("Exchange rate ({to} per 1 {from})"),
                None,
                &format!("{rate:.4}"),
                Some(0.0),
            ),
        ],
        outputs: vec![
            output(
                &format!("Amount in {to}"),
                OutputFormat::Number,
                "v.amount * v.rate",
            ),
            output(
                &format!("Inverse rate ({from} per 1 {to})"),
                OutputFormat::Number,
                "v.rate > 0 ? 1 / v.rate : NaN",
            ),
        ],
    })
}

/// Sum and average of the numeric quantities the description names (or two plain values).
fn generic(fields: &[Field]) -> CalculatorSpec {
    let mut inputs: Vec<CalcInput> = fields
        .iter()
        .filter(|f| f.kind.is_numeric() || f.kind == FieldType::Text)
        .take(6)
        .map(|f| input(&f.key, &f.label, f.unit.as_deref(), "0", None))
        .collect();
    if inputs.len() < 2 {
        inputs = vec![
            input("first", "First value", None, "10", None),
            input("second", "Second value", None, "5", None),
        ];
    }
    let vars: Vec<String> = inputs.iter().map(|i| format!("v.{}", i.key)).collect();
    let sum = vars.join(" + ");
    let n = inputs.len();
    let product = vars.join(" * ");
    CalculatorSpec {
        formula: "generic".into(),
        inputs,
        outputs: vec![
            output("Total", OutputFormat::Number, &sum),
            output("Average", OutputFormat::Number, &format!("({sum}) / {n}")),
            output("Product", OutputFormat::Number, &product),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_unit_pair_is_converted() {
        let c = calculator_for(
            "Convert teaspoons to millilitres and kilometres to miles.",
            &[],
        );
        let labels: Vec<&str> = c.inputs.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, vec!["Value in teaspoons", "Value in kilometres"]);
        assert_eq!(c.outputs[0].label, "Teaspoons in millilitres");
        assert_eq!(c.outputs[1].expr, "v.kilometres * 0.621371");
        // One pair keeps the single-value form.
        let c = calculator_for("A cups to ml converter", &[]);
        assert_eq!(c.inputs[0].key, "value");
        assert_eq!(c.outputs[0].label, "Value in millilitres");
    }
}
