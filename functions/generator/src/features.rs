//! Which actions and summaries a collection app has: search, filter, sort, totals, averages,
//! groupings, charts, done/streak state, overlap refusal, computed values, low stock.

use crate::spec::*;
use crate::text::{has_any, has_word, parse_count, singular, words};

/// The field a phrase like "by title" or "status" refers to.
pub fn field_named<'a>(fields: &'a [Field], phrase: &str) -> Option<&'a Field> {
    let target = words(phrase);
    fields
        .iter()
        .find(|f| words(&f.label) == target)
        .or_else(|| {
            fields.iter().find(|f| {
                target
                    .iter()
                    .any(|t| words(&f.label).contains(t) || words(&f.label).contains(&singular(t)))
            })
        })
}

/// The words after `lead` in `lower` (up to 3), e.g. after "filter by".
fn words_after(lower: &str, leads: &[&str]) -> Option<String> {
    let ws = words(lower);
    for lead in leads {
        let lw = words(lead);
        if let Some(i) = ws.windows(lw.len()).position(|w| w == lw.as_slice()) {
            let rest: Vec<String> = ws[i + lw.len()..]
                .iter()
                .skip_while(|w| {
                    ["the", "their", "its", "a", "them", "it", "by", "on"].contains(&w.as_str())
                })
                .take(2)
                .cloned()
                .collect();
            if !rest.is_empty() {
                return Some(rest.join(" "));
            }
        }
    }
    None
}

/// What search looks in when no field is named: the first three text-like fields.
pub(crate) fn default_search(fields: &[Field]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FieldType::Text | FieldType::Longtext | FieldType::Email
            )
        })
        .take(3)
        .map(|f| f.key.clone())
        .collect()
}

pub(crate) fn features(lower: &str, spec: &AppSpec) -> Features {
    let fields = &spec.entity.fields;
    let kind = spec.kind;
    let mut f = Features::default();
    let primary = spec.primary_key();
    let numeric = |k: FieldType| {
        fields
            .iter()
            .filter(move |f| f.kind == k)
            .map(|f| f.key.clone())
    };

    if has_any(lower, &["search", "find", "look up", "lookup"]) {
        let by = words_after(
            lower,
            &["search by", "search them by", "search for", "search"],
        )
        .and_then(|p| field_named(fields, &p).map(|f| f.key.clone()));
        f.search = match by {
            Some(k) => vec![k],
            None => default_search(fields),
        };
    }
    if has_any(lower, &["filter", "filtered", "filters", "only show"]) {
        let by = words_after(
            lower,
            &["filter by", "filter them by", "filter on", "filtered by"],
        )
        .and_then(|p| field_named(fields, &p).map(|f| f.key.clone()))
        .or_else(|| {
            // "a status filter": the noun before "filter".
            let ws = words(lower);
            ws.iter()
                .position(|w| w == "filter")
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| field_named(fields, &ws[i]).map(|f| f.key.clone()))
        })
        .or_else(|| {
            fields
                .iter()
                .find(|f| f.kind == FieldType::Enum)
                .map(|f| f.key.clone())
        });
        if let Some(k) = by
            && fields
                .iter()
                .any(|x| x.key == k && x.kind == FieldType::Enum)
        {
            f.filter = Some(k);
        }
    }
    f.sort = has_any(
        lower,
        &[
            "sort",
            "sorted",
            "sortable",
            "order by",
            "ordered by",
            "rank",
            "ranking",
        ],
    );
    f.count = has_any(
        lower,
        &["count", "how many", "number of entries", "total number"],
    );
    let money: Vec<String> = numeric(FieldType::Money).collect();
    if has_any(
        lower,
        &["total", "totals", "sum", "spent", "how much", "balance"],
    ) || kind == AppKind::Dashboard
    {
        // "total weight" names the field to add up.
        let named = words_after(lower, &["total"])
            .and_then(|p| field_named(fields, &p))
            .filter(|x| x.kind.is_numeric() && x.kind != FieldType::Rating)
            .map(|x| x.key.clone());
        f.totals = if let Some(k) = named {
            vec![k]
        } else if money.is_empty() {
            fields
                .iter()
                .filter(|x| matches!(x.kind, FieldType::Number))
                .map(|x| x.key.clone())
                .take(2)
                .collect()
        } else {
            money.clone()
        };
        if kind == AppKind::Inventory {
            f.totals.retain(|k| {
                fields
                    .iter()
                    .any(|x| &x.key == k && x.kind == FieldType::Number)
            });
        }
    }
    if has_any(lower, &["average", "averages", "mean", "avg"]) || kind == AppKind::Dashboard {
        let named = words_after(lower, &["average"])
            .and_then(|p| field_named(fields, &p).map(|f| f.key.clone()));
        f.averages = match named {
            Some(k) if fields.iter().any(|x| x.key == k && x.kind.is_numeric()) => vec![k],
            _ => {
                let ratings: Vec<String> = numeric(FieldType::Rating).collect();
                if !ratings.is_empty() {
                    ratings
                } else {
                    fields
                        .iter()
                        .filter(|x| x.kind.is_numeric())
                        .map(|x| x.key.clone())
                        .take(1)
                        .collect()
                }
            }
        };
    }
    let group_phrase = words_after(
        lower,
        &[
            "per",
            "by each",
            "for each",
            "breakdown by",
            "grouped by",
            "group by",
            "broken down by",
        ],
    );
    let group_field = group_phrase
        .and_then(|p| {
            // A named grouping may be a choice or a text field ("per exercise").
            field_named(fields, &p)
                .filter(|x| matches!(x.kind, FieldType::Enum | FieldType::Text))
                .map(|x| x.key.clone())
        })
        .or_else(|| {
            (kind == AppKind::Dashboard
                || has_any(
                    lower,
                    &["breakdown", "by category", "per category", "each category"],
                ))
            .then(|| {
                fields
                    .iter()
                    .find(|x| x.kind == FieldType::Enum)
                    .map(|x| x.key.clone())
            })
            .flatten()
        });
    if let Some(by) = group_field
        && kind != AppKind::Bookings
    {
        let of = f
            .totals
            .first()
            .cloned()
            .or_else(|| money.first().cloned())
            .or_else(|| {
                fields
                    .iter()
                    .find(|x| x.kind == FieldType::Number)
                    .map(|x| x.key.clone())
            });
        f.group_by = Some(GroupBy {
            by,
            of,
            rollup: None,
        });
    }
    // A roll-up over related records is the grouping the description asked for.
    if kind.is_collection()
        && let Some(g) = crate::rollup::read(lower, fields)
    {
        f.group_by = Some(g);
    }
    f.chart = kind == AppKind::Dashboard
        || has_any(
            lower,
            &[
                "chart",
                "charts",
                "graph",
                "graphs",
                "visualize",
                "visualise",
                "plot",
            ],
        );
    // Done per parent without a status choice counts the records' done ticks.
    let ticks_roll_up = matches!(
        f.group_by.as_ref().and_then(|g| g.rollup.as_ref()),
        Some(crate::spec::Rollup::Done { status: None })
    );
    f.done = ticks_roll_up
        || kind == AppKind::Tasks
        || (kind.is_collection()
            && kind != AppKind::Habits
            && has_any(
                lower,
                &[
                    "mark as done",
                    "mark done",
                    "tick off",
                    "tick them off",
                    "check off",
                    "mark complete",
                    "mark as complete",
                    "completed",
                ],
            ));
    f.streak = kind == AppKind::Habits;
    // "a week grid", "Monday to Sunday as columns": one check-in cell per day of this week.
    f.week = f.streak
        && has_any(
            lower,
            &[
                "week grid",
                "weekly grid",
                "week view",
                "days of the week",
                "monday",
                "sunday",
                "mon",
                "sun",
            ],
        );
    if kind == AppKind::Bookings {
        let date = fields
            .iter()
            .find(|x| x.kind == FieldType::Date)
            .map(|x| x.key.clone());
        let times: Vec<String> = fields
            .iter()
            .filter(|x| x.kind == FieldType::Time)
            .map(|x| x.key.clone())
            .collect();
        let resource = fields
            .iter()
            .find(|x| x.kind == FieldType::Enum)
            .map(|x| x.key.clone());
        if let (Some(date), [start, end, ..]) = (date, times.as_slice()) {
            f.overlap = Some(Overlap {
                resource,
                date,
                start: start.clone(),
                end: end.clone(),
            });
        }
    }
    let qty = fields
        .iter()
        .find(|x| {
            x.kind == FieldType::Number
                && has_any(
                    &x.label.to_lowercase(),
                    &["quantity", "qty", "stock", "units", "count", "amount"],
                )
        })
        .or_else(|| fields.iter().find(|x| x.kind == FieldType::Number));
    let price = fields.iter().find(|x| x.kind == FieldType::Money);
    // A price per unit ("hourly rate", "unit price") times a quantity makes a value per record.
    let per_unit = price.is_some_and(|p| {
        has_any(
            &p.label.to_lowercase(),
            &["rate", "unit price", "price per", "per unit", "each"],
        )
    });
    if let (Some(q), Some(p)) = (qty, price)
        && (per_unit && kind != AppKind::Inventory && has_word(lower, "total")
            || kind == AppKind::Inventory
            || has_any(
                lower,
                &[
                    "times",
                    "multiplied",
                    "line total",
                    "subtotal",
                    "stock value",
                    "total value",
                ],
            ))
    {
        let label = if has_any(lower, &["stock value"]) || kind == AppKind::Inventory {
            "Stock value".to_owned()
        } else if has_any(lower, &["subtotal"]) {
            "Subtotal".to_owned()
        } else if let Some(named) = total_not_a_field(lower, fields) {
            // "total earnings" names the value of hours times an hourly rate.
            named
        } else {
            "Value".to_owned()
        };
        if per_unit {
            // Adding up rates means nothing; the total is of the computed value.
            f.totals.retain(|k| k != &p.key);
        }
        f.computed = Some(Computed {
            label,
            factors: vec![q.key.clone(), p.key.clone()],
        });
    }
    if let Some(q) = qty
        && (kind == AppKind::Inventory || has_any(lower, &["low stock", "running low"]))
    {
        let threshold = threshold(lower).unwrap_or(5.0);
        f.low_stock = Some(LowStock {
            field: q.key.clone(),
            below: threshold,
        });
    }
    // "shows total revenue" over order amounts: the total carries the description's word.
    if f.computed.is_none()
        && let Some(first) = f.totals.first()
        && fields
            .iter()
            .any(|x| &x.key == first && x.kind == FieldType::Money)
        && let Some(name) = total_not_a_field(lower, fields)
        && (crate::lexicon::MONEY_WORDS
            .iter()
            .any(|t| t.word == name.to_lowercase())
            || [
                "earnings", "sales", "profit", "turnover", "takings", "spending",
            ]
            .contains(&name.to_lowercase().as_str()))
    {
        f.total_name = Some(name.to_lowercase());
    }
    if f.search.is_empty() && kind == AppKind::List && has_word(lower, "search") {
        f.search = vec![primary];
    }
    f
}

/// The noun after "total" that names no field ("total earnings"), capitalised.
fn total_not_a_field(lower: &str, fields: &[Field]) -> Option<String> {
    let ws = words(lower);
    ws.windows(2)
        .filter(|w| w[0] == "total")
        .map(|w| w[1].clone())
        .find(|n| {
            n.len() > 2
                && n.chars().all(char::is_alphabetic)
                && !["of", "the", "and", "for", "per", "number", "amount"].contains(&n.as_str())
                && field_named(fields, n).is_none()
        })
        .map(|n| crate::text::capitalize(&n))
}

/// The number in "below 5", "under 10", "less than 3", "fewer than 2".
fn threshold(lower: &str) -> Option<f64> {
    let ws = words(lower);
    for (i, w) in ws.iter().enumerate() {
        if matches!(w.as_str(), "below" | "under" | "than")
            && let Some(n) = ws.get(i + 1).and_then(|x| {
                x.parse::<f64>()
                    .ok()
                    .or_else(|| parse_count(x).map(f64::from))
            })
        {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;

    #[test]
    fn a_rate_per_unit_times_a_quantity_is_the_named_total() {
        let spec = analyze(
            "Babysitting log: family, date, hours and nightly rate. Show the total income.",
            &[],
        );
        let c = spec.features.computed.expect("computed");
        assert_eq!(c.label, "Income");
        assert_eq!(
            c.factors,
            vec!["hours".to_owned(), "nightlyRate".to_owned()]
        );
        assert!(!spec.features.totals.contains(&"nightlyRate".to_owned()));
    }

    #[test]
    fn a_money_total_takes_the_name_the_description_gives_it() {
        let spec = analyze(
            "Market stall log: I record each sale with the product and sale price, and the header shows total takings.",
            &[],
        );
        assert_eq!(spec.features.total_name.as_deref(), Some("takings"));
        let spec = analyze(
            "Expenses with a note and an amount. Show the total amount.",
            &[],
        );
        assert_eq!(spec.features.total_name, None);
    }
}
