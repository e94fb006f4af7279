//! Shared costs: people, then expenses with what it was, who paid and how much, split
//! equally; each person's balance (owes or is owed). The grammar reads splitting words
//! ("split", "owes", "who paid", "balances") with the people ("housemates", "friends").

use crate::text::{capitalize, has_any, singular, words};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Split {
    /// What the people are called, singular ("Housemate", "Friend").
    pub person: String,
    /// What a cost is called, singular ("Bill", "Expense").
    pub cost: String,
}

const PEOPLE: &[&str] = &[
    "housemates",
    "roommates",
    "flatmates",
    "friends",
    "people",
    "members",
    "participants",
    "travellers",
    "travelers",
    "colleagues",
    "teammates",
    "guests",
];
const COSTS: &[&str] = &[
    "bills",
    "bill",
    "expenses",
    "expense",
    "costs",
    "cost",
    "payments",
    "purchases",
];

/// Reads a cost splitter, or `None` when the description is not one.
pub fn read(lower: &str) -> Option<Split> {
    let spaced = lower.replace('-', " ");
    let splitting = has_any(
        &spaced,
        &[
            "split",
            "splitting",
            "owes",
            "owe",
            "owed",
            "who paid",
            "settle up",
            "balances",
            "iou",
        ],
    );
    let person = words(&spaced)
        .into_iter()
        .find(|w| PEOPLE.contains(&w.as_str()));
    let paid = has_any(&spaced, &["paid", "pays", "who paid", "paid by"]);
    let (true, Some(person), true) = (splitting, person, paid) else {
        return None;
    };
    let ws = words(&spaced);
    let cost = COSTS
        .iter()
        .find(|c| ws.iter().any(|w| w == *c))
        .map_or_else(|| "expense".to_owned(), |w| singular(w));
    Some(Split {
        person: capitalize(&singular(&person)),
        cost: capitalize(&cost),
    })
}

impl Split {
    pub fn describe(&self) -> String {
        format!(
            "shared costs: {}s, then {}s with who paid and how much, split equally, with each balance",
            self.person.to_lowercase(),
            self.cost.to_lowercase()
        )
    }

    pub fn features(&self) -> Vec<String> {
        vec![
            format!("Add {}s by name", self.person.to_lowercase()),
            format!(
                "Add {}s: what it was, who paid (a new name is added), the amount; split equally",
                self.cost.to_lowercase()
            ),
            "Each person's balance: what they owe or are owed".to_owned(),
        ]
    }

    pub fn tagline(&self) -> String {
        "Add who paid what; see who owes whom.".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_bills_split_between_housemates() {
        let s = read("shared house bills: add housemates, then bills with what it was, who paid and the amount, split equally; show what each housemate owes or is owed").expect("split");
        assert_eq!((s.person.as_str(), s.cost.as_str()), ("Housemate", "Bill"));
    }

    #[test]
    fn other_wording_a_trip_with_friends() {
        let s = read("split costs on a ski trip: add the friends who came, then each expense with a description, who paid and how much; show everyone's balance").expect("split");
        assert_eq!((s.person.as_str(), s.cost.as_str()), ("Friend", "Expense"));
    }

    #[test]
    fn an_expense_log_is_not_a_split() {
        assert!(read("an expense log with amount, category and date").is_none());
    }
}
