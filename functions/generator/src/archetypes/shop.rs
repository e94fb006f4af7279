//! A shop or menu with a cart: products with the prices the description gives ("roses 12.00",
//! "Margherita $9", "Dune for 14.99"), add to the cart, change quantities, remove lines, the
//! subtotal, fees or tax asked for ("5% delivery fee", "8% tax") and the total. The grammar
//! needs at least two priced products and a cart word (cart, basket, order, bag, checkout).

use crate::text::{capitalize, has_any, words};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub name: String,
    pub price: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fee {
    pub label: String,
    pub percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shop {
    pub products: Vec<Product>,
    /// What the description calls the cart ("basket", "order").
    pub cart: String,
    pub fees: Vec<Fee>,
}

const CART_WORDS: &[&str] = &["basket", "cart", "order", "bag", "tray", "tab", "checkout"];
/// Words after a number that make it a quantity of something else, not a price.
const NOT_PRICE_UNITS: &[&str] = &[
    "min",
    "mins",
    "minute",
    "minutes",
    "sec",
    "seconds",
    "hour",
    "hours",
    "kg",
    "g",
    "cm",
    "km",
    "items",
    "people",
    "days",
    "years",
    "spots",
    "seats",
    "cards",
    "questions",
];

/// Reads a shop with a cart, or `None` when the description is not one.
pub fn read(text: &str, lower: &str) -> Option<Shop> {
    let products = products(text);
    let cart_word = CART_WORDS.iter().find(|w| has_any(lower, &[w]));
    let shop_word = has_any(
        lower,
        &[
            "shop",
            "store",
            "menu",
            "storefront",
            "order screen",
            "stand",
        ],
    );
    if products.len() < 2 || (cart_word.is_none() && !(shop_word && has_any(lower, &["total"]))) {
        return None;
    }
    let cart = match cart_word {
        Some(&"checkout") | None => "cart",
        Some(w) => w,
    };
    Some(Shop {
        products,
        cart: cart.to_owned(),
        fees: fees(lower),
    })
}

/// Every "name price" pair: the price a number (with an optional currency sign) that is not
/// a percentage or a count of something else; the name the words before it in its clause.
pub fn products(text: &str) -> Vec<Product> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Product> = vec![];
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let sign = matches!(chars[i], '$' | '€' | '£');
        let mut j = if sign { i + 1 } else { i };
        let digits_from = j;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || (chars[j] == '.' && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
        {
            j += 1;
        }
        let is_number = j > digits_from && (start == 0 || !chars[start - 1].is_alphanumeric());
        if !is_number {
            i += 1;
            continue;
        }
        let number: String = chars[digits_from..j].iter().collect();
        let after: String = chars[j..].iter().take(12).collect();
        let unit_after = words(&after).into_iter().next().unwrap_or_default();
        let trailing_sign = matches!(chars.get(j), Some('$' | '€' | '£'));
        let looks_like_price =
            sign || trailing_sign || number.contains('.') || has_money_word(&after);
        let excluded = chars.get(j) == Some(&'%')
            || NOT_PRICE_UNITS.contains(&unit_after.as_str())
            || chars.get(j).is_some_and(|c| c.is_alphabetic());
        if looks_like_price
            && !excluded
            && let (Ok(price), Some(name)) = (number.parse::<f64>(), name_before(&chars[..start]))
            && !out.iter().any(|p| p.name.eq_ignore_ascii_case(&name))
        {
            out.push(Product { name, price });
        }
        i = j.max(i + 1);
    }
    // Bare integers count as prices when the other products of the list have signs or cents
    // ("Margherita $9, Pepperoni $11"): handled by the sign; a lone "3 flavours" is not.
    out
}

fn has_money_word(after: &str) -> bool {
    matches!(
        words(after).first().map(String::as_str),
        Some("dollars" | "euros" | "pounds" | "usd" | "eur" | "gbp")
    )
}

const NAME_STOP: &[&str] = &[
    "and",
    "or",
    "a",
    "an",
    "the",
    "selling",
    "sells",
    "plus",
    "with",
    "like",
    "such",
    "as",
    "e.g",
    "eg",
    "including",
    "three",
    "two",
    "four",
    "five",
    "some",
    "our",
    "of",
    "is",
    "are",
];
const NAME_TAIL: &[&str] = &[
    "for", "at", "costs", "cost", "is", "are", "priced", "only", "just", "each",
];

/// The product name: up to three words before the price, back to the clause's start.
fn name_before(before: &[char]) -> Option<String> {
    // The clause starts after the last punctuation, sentence end or earlier number (a name
    // never crosses the previous product's price).
    let from = (0..before.len())
        .rev()
        .find(|&i| {
            let c = before[i];
            matches!(
                c,
                ',' | ';' | ':' | '(' | ')' | '—' | '–' | '\n' | '$' | '€' | '£'
            ) || c.is_ascii_digit()
                || (c == '.' && before.get(i + 1).is_none_or(|n| n.is_whitespace()))
        })
        .map_or(0, |i| i + 1);
    let s: String = before[from..].iter().collect();
    let clause = s.trim_end_matches([' ', '-', '=', '@']);
    let mut ws: Vec<&str> = clause.split_whitespace().collect();
    while ws
        .last()
        .is_some_and(|w| NAME_TAIL.contains(&w.to_lowercase().as_str()))
    {
        ws.pop();
    }
    let from = ws.len().saturating_sub(3);
    let mut name: Vec<&str> = ws[from..].to_vec();
    while name
        .first()
        .is_some_and(|w| NAME_STOP.contains(&w.to_lowercase().as_str()))
    {
        name.remove(0);
    }
    let name = name
        .join(" ")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_owned();
    (!name.is_empty() && name.chars().any(char::is_alphabetic)).then(|| capitalize(&name))
}

/// "5% delivery fee", "8% tax", "subtotal, 7% VAT", "tax of 8%".
fn fees(lower: &str) -> Vec<Fee> {
    let ws = words(lower);
    let mut out: Vec<Fee> = vec![];
    for (i, w) in ws.iter().enumerate() {
        let Some(n) = w.strip_suffix('%').and_then(|n| n.parse::<f64>().ok()) else {
            continue;
        };
        let next: Vec<&str> = ws.iter().skip(i + 1).take(2).map(String::as_str).collect();
        let prev = i
            .checked_sub(2)
            .map(|j| (ws[j].as_str(), ws[j + 1].as_str()));
        let label = match next.as_slice() {
            [
                "delivery" | "service" | "shipping" | "handling" | "booking",
                "fee" | "charge",
                ..,
            ] => format!("{} {}", capitalize(next[0]), next[1]),
            ["delivery" | "shipping" | "handling", ..] => capitalize(next[0]),
            ["vat", ..] => "VAT".to_owned(),
            ["sales", "tax"] => "Sales tax".to_owned(),
            ["tax", ..] => "Tax".to_owned(),
            ["tip" | "gratuity", ..] => capitalize(next[0]),
            ["discount" | "off", ..] => continue,
            _ => match prev {
                Some((k, "of")) if ["tax", "vat", "fee", "shipping", "delivery"].contains(&k) => {
                    if k == "vat" {
                        "VAT".to_owned()
                    } else {
                        capitalize(k)
                    }
                }
                _ => continue,
            },
        };
        if !out.iter().any(|f| f.label == label) {
            out.push(Fee { label, percent: n });
        }
    }
    out
}

/// Words a follow-up puts before a new product's name ("add a croissant 3.20").
const ADD_WORDS: &[&str] = &[
    "add", "also", "include", "put", "sell", "a", "an", "new", "product", "item", "called",
    "named", "please",
];

impl Shop {
    /// A follow-up on fees ("add 8% tax", "remove the delivery fee") and products ("add
    /// croissant 3.20", "make roses 10.00", "remove tulips").
    pub fn follow_up(&mut self, clause: &str, lower: &str) -> Vec<String> {
        let mut out = self.follow_up_fees(lower);
        for mut p in products(clause) {
            let ws: Vec<&str> = p.name.split_whitespace().collect();
            let from = ws
                .iter()
                .position(|w| !ADD_WORDS.contains(&w.to_lowercase().as_str()))
                .unwrap_or(ws.len());
            p.name = capitalize(&ws[from..].join(" "));
            if p.name.is_empty() {
                continue;
            }
            match self
                .products
                .iter_mut()
                .find(|q| q.name.eq_ignore_ascii_case(&p.name))
            {
                Some(q) => {
                    q.price = p.price;
                    out.push(format!("{} now costs {:.2}.", q.name, p.price));
                }
                None => {
                    out.push(format!("Added {} ({:.2}).", p.name, p.price));
                    self.products.push(p);
                }
            }
        }
        if out.is_empty() {
            out.extend(self.remove_products(lower));
        }
        out
    }

    fn follow_up_fees(&mut self, lower: &str) -> Vec<String> {
        let mut out = vec![];
        let mut asked_fees = fees(lower);
        // "change the delivery fee to 7%": a percentage for a fee the shop already has.
        if asked_fees.is_empty()
            && let Some(percent) = words(lower)
                .iter()
                .find_map(|w| w.strip_suffix('%').and_then(|n| n.parse::<f64>().ok()))
            && let Some(f) = self.fees.iter().find(|f| {
                let label = f.label.to_lowercase();
                has_any(
                    lower,
                    &[&label, label.split(' ').next().unwrap_or_default()],
                )
            })
        {
            asked_fees.push(Fee {
                label: f.label.clone(),
                percent,
            });
        }
        for fee in asked_fees {
            match self.fees.iter_mut().find(|f| f.label == fee.label) {
                Some(f) => {
                    f.percent = fee.percent;
                    out.push(format!("{} is now {}%.", f.label, f.percent));
                }
                None => {
                    out.push(format!(
                        "Added {}% {}.",
                        fee.percent,
                        fee.label.to_lowercase()
                    ));
                    self.fees.push(fee);
                }
            }
        }
        let before = self.fees.len();
        self.fees.retain(|f| {
            let label = f.label.to_lowercase();
            let first = label
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            super::asked(lower, &[&label, &first]) != Some(false)
        });
        if self.fees.len() < before {
            out.push(format!(
                "Removed {} fee(s) from the total.",
                before - self.fees.len()
            ));
        }
        out
    }

    /// "remove tulips": a shop keeps at least two products (a cart of one is not a shop).
    fn remove_products(&mut self, lower: &str) -> Vec<String> {
        let gone: Vec<String> = self
            .products
            .iter()
            .filter(|p| super::asked(lower, &[&p.name.to_lowercase()]) == Some(false))
            .map(|p| p.name.clone())
            .collect();
        if gone.is_empty() {
            return Vec::new();
        }
        if self.products.len() - gone.len() < 2 {
            return vec!["A shop keeps at least two products; nothing was removed.".to_owned()];
        }
        self.products.retain(|p| !gone.contains(&p.name));
        vec![format!("Removed {}.", gone.join(", "))]
    }

    pub fn describe(&self) -> String {
        format!(
            "a shop with a {}: {} products with prices, quantities and a total{}",
            self.cart,
            self.products.len(),
            self.fees
                .iter()
                .map(|f| format!(" with {}% {}", f.percent, f.label.to_lowercase()))
                .collect::<String>()
        )
    }

    pub fn features(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "Products: {}",
                self.products
                    .iter()
                    .map(|p| format!("{} ({:.2})", p.name, p.price))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "Add products to the {}; change quantities with − and +; remove lines",
                self.cart
            ),
            format!("{} subtotal and total", capitalize(&self.cart)),
        ];
        for f in &self.fees {
            out.push(format!("{} of {}% added to the total", f.label, f.percent));
        }
        out
    }

    pub fn tagline(&self) -> String {
        format!(
            "Pick what you like, add it to your {} and see the total.",
            self.cart
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Shop) -> Vec<&str> {
        s.products.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn flower_shop_products_basket_and_fee() {
        let d = "A flower shop: roses 12.00, tulips 8.50 and sunflowers 9.90; add bouquets to a basket, change quantities, remove items and see the basket total with 5% delivery fee.";
        let s = read(d, &d.to_lowercase()).expect("shop");
        assert_eq!(names(&s), ["Roses", "Tulips", "Sunflowers"]);
        assert_eq!(s.products[1].price, 8.5);
        assert_eq!(s.cart, "basket");
        assert_eq!(
            s.fees,
            vec![Fee {
                label: "Delivery fee".into(),
                percent: 5.0
            }]
        );
    }

    #[test]
    fn other_wording_signs_for_and_vat() {
        let d = "Pizza menu with a cart: Margherita $9, Pepperoni $11, Veggie $10. Add to cart buttons and the order total.";
        let s = read(d, &d.to_lowercase()).expect("shop");
        assert_eq!(names(&s), ["Margherita", "Pepperoni", "Veggie"]);
        assert_eq!(s.cart, "cart");
        let d = "A bookshop selling three books — Dune for 14.99, Emma for 7.50 and Ulysses for 11.00 — with a shopping cart and a grand total including 10% shipping.";
        let s = read(d, &d.to_lowercase()).expect("shop");
        assert_eq!(names(&s), ["Dune", "Emma", "Ulysses"]);
        assert_eq!(s.fees[0].label, "Shipping");
        let d = "Online order page for a bakery. Croissant 2.40, sourdough loaf 5.20, cinnamon roll 3.10. See subtotal, 7% VAT and total.";
        let s = read(d, &d.to_lowercase()).expect("shop");
        assert_eq!(names(&s), ["Croissant", "Sourdough loaf", "Cinnamon roll"]);
        assert_eq!(
            (s.cart.as_str(), s.fees[0].label.as_str()),
            ("order", "VAT")
        );
    }

    fn flowers() -> Shop {
        let d = "A flower shop: roses 12.00, tulips 8.50 and sunflowers 9.90; add bouquets to a basket and see the basket total with 5% delivery fee.";
        read(d, &d.to_lowercase()).expect("shop")
    }

    fn follow_up(s: &mut Shop, ask: &str) -> Vec<String> {
        s.follow_up(ask, &ask.to_lowercase().replace('-', " "))
    }

    #[test]
    fn follow_ups_change_fees() {
        let mut s = flowers();
        follow_up(&mut s, "add 8% tax");
        assert_eq!(s.fees.len(), 2);
        assert_eq!((s.fees[1].label.as_str(), s.fees[1].percent), ("Tax", 8.0));
        follow_up(&mut s, "change the delivery fee to 7%");
        assert_eq!(s.fees[0].percent, 7.0);
        follow_up(&mut s, "remove the delivery fee");
        assert_eq!(
            s.fees.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(),
            ["Tax"]
        );
        follow_up(&mut s, "no tax");
        assert!(s.fees.is_empty());
    }

    #[test]
    fn follow_ups_add_price_and_remove_products() {
        let mut s = flowers();
        let said = follow_up(&mut s, "add lilies 6.75");
        assert_eq!(
            names(&s),
            ["Roses", "Tulips", "Sunflowers", "Lilies"],
            "{said:?}"
        );
        assert_eq!(s.products[3].price, 6.75);
        follow_up(&mut s, "also sell a peony bunch for $15");
        assert_eq!(s.products[4].name, "Peony bunch");
        follow_up(&mut s, "roses 10.00");
        assert_eq!(s.products[0].price, 10.0);
        follow_up(&mut s, "remove tulips and lilies");
        assert_eq!(names(&s), ["Roses", "Sunflowers", "Peony bunch"]);
        follow_up(&mut s, "remove roses and sunflowers");
        assert_eq!(s.products.len(), 3);
    }

    #[test]
    fn prices_without_a_cart_or_counts_are_not_a_shop() {
        let d = "A landing page for a cafe with a menu of three drinks and prices";
        assert!(read(d, &d.to_lowercase()).is_none());
        let d = "An egg timer with soft (6 min) and hard (10 min) presets and a start button";
        assert!(read(d, &d.to_lowercase()).is_none());
    }
}
