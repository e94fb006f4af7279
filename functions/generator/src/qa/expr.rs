//! Evaluates the calculator's formulas (TypeScript expressions over `v.<key>` from the
//! generator's own formula library) so a scenario can say what result known inputs give.
//! The subset: numbers, `v.key`, `+ - * /`, unary minus, parentheses, comparisons, `? :`,
//! `Math.pow/max/min/abs/sqrt/round/floor/ceil`. Anything else (a text output's arrow
//! function) is `None`: no scenario is derived from what cannot be evaluated.

use std::collections::BTreeMap;

/// The value of `expr` with the inputs `v`, or `None` if it is outside the subset.
pub fn eval(expr: &str, v: &BTreeMap<String, f64>) -> Option<f64> {
    let tokens = tokens(expr)?;
    let mut p = Parser {
        t: &tokens,
        i: 0,
        v,
    };
    let x = p.ternary()?;
    (p.i == tokens.len() && x.is_finite()).then_some(x)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
}

fn tokens(s: &str) -> Option<Vec<Tok>> {
    const OPS: [&str; 16] = [
        ">=", "<=", "===", "==", ">", "<", "+", "-", "*", "/", "(", ")", "?", ":", ",", ".",
    ];
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let c = rest.chars().next()?;
        if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            out.push(Tok::Num(rest[..end].parse().ok()?));
            rest = &rest[end..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push(Tok::Ident(rest[..end].to_owned()));
            rest = &rest[end..];
        } else {
            let op = OPS.iter().find(|o| rest.starts_with(**o))?;
            out.push(Tok::Op(op));
            rest = &rest[op.len()..];
        }
        rest = rest.trim_start();
    }
    Some(out)
}

struct Parser<'a> {
    t: &'a [Tok],
    i: usize,
    v: &'a BTreeMap<String, f64>,
}

impl Parser<'_> {
    fn peek_op(&self) -> Option<&'static str> {
        match self.t.get(self.i) {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> Option<()> {
        (self.peek_op() == Some(op)).then(|| self.i += 1)
    }

    fn ternary(&mut self) -> Option<f64> {
        let cond = self.comparison()?;
        if self.eat("?").is_none() {
            return Some(cond);
        }
        let yes = self.ternary()?;
        self.eat(":")?;
        let no = self.ternary()?;
        Some(if cond != 0.0 { yes } else { no })
    }

    fn comparison(&mut self) -> Option<f64> {
        let a = self.sum()?;
        let Some(op) = self
            .peek_op()
            .filter(|o| [">", "<", ">=", "<=", "==", "==="].contains(o))
        else {
            return Some(a);
        };
        self.i += 1;
        let b = self.sum()?;
        let holds = match op {
            ">" => a > b,
            "<" => a < b,
            ">=" => a >= b,
            "<=" => a <= b,
            _ => a == b,
        };
        Some(if holds { 1.0 } else { 0.0 })
    }

    fn sum(&mut self) -> Option<f64> {
        let mut x = self.product()?;
        while let Some(op) = self.peek_op().filter(|o| *o == "+" || *o == "-") {
            self.i += 1;
            let y = self.product()?;
            x = if op == "+" { x + y } else { x - y };
        }
        Some(x)
    }

    fn product(&mut self) -> Option<f64> {
        let mut x = self.unary()?;
        while let Some(op) = self.peek_op().filter(|o| *o == "*" || *o == "/") {
            self.i += 1;
            let y = self.unary()?;
            x = if op == "*" { x * y } else { x / y };
        }
        Some(x)
    }

    fn unary(&mut self) -> Option<f64> {
        if self.eat("-").is_some() {
            return self.unary().map(|x| -x);
        }
        self.atom()
    }

    fn atom(&mut self) -> Option<f64> {
        let tok = self.t.get(self.i)?.clone();
        self.i += 1;
        match tok {
            Tok::Num(n) => Some(n),
            Tok::Op("(") => {
                let x = self.ternary()?;
                self.eat(")")?;
                Some(x)
            }
            Tok::Ident(v) if v == "v" => {
                self.eat(".")?;
                match self.t.get(self.i)? {
                    Tok::Ident(key) => {
                        self.i += 1;
                        self.v.get(key).copied()
                    }
                    _ => None,
                }
            }
            Tok::Ident(m) if m == "Math" => self.math(),
            _ => None,
        }
    }

    fn math(&mut self) -> Option<f64> {
        self.eat(".")?;
        let Some(Tok::Ident(f)) = self.t.get(self.i).cloned() else {
            return None;
        };
        self.i += 1;
        self.eat("(")?;
        let mut args = vec![self.ternary()?];
        while self.eat(",").is_some() {
            args.push(self.ternary()?);
        }
        self.eat(")")?;
        let a = args[0];
        match (f.as_str(), args.len()) {
            ("pow", 2) => Some(a.powf(args[1])),
            ("max", _) => args.into_iter().reduce(f64::max),
            ("min", _) => args.into_iter().reduce(f64::min),
            ("abs", 1) => Some(a.abs()),
            ("sqrt", 1) => Some(a.sqrt()),
            ("round", 1) => Some((a + 0.5).floor()),
            ("floor", 1) => Some(a.floor()),
            ("ceil", 1) => Some(a.ceil()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, x)| ((*k).to_owned(), *x)).collect()
    }

    #[test]
    fn the_formula_library_evaluates() {
        let v = vars(&[("bill", 100.0), ("tipPercent", 20.0), ("people", 4.0)]);
        assert_eq!(
            eval("(v.bill * v.tipPercent) / 100 / Math.max(1, v.people)", &v),
            Some(5.0)
        );
        assert_eq!(eval("v.bill * (1 + v.tipPercent / 100)", &v), Some(120.0));
        let loan = "(v.rate > 0 ? (v.principal * (v.rate / 1200)) / (1 - Math.pow(1 + v.rate / 1200, -v.years * 12)) : v.principal / (v.years * 12))";
        let v = vars(&[("principal", 100000.0), ("rate", 6.0), ("years", 30.0)]);
        let m = eval(loan, &v).expect("loan");
        assert!((m - 599.55).abs() < 0.01, "{m}");
        let v = vars(&[("principal", 1200.0), ("rate", 0.0), ("years", 1.0)]);
        assert_eq!(eval(loan, &v), Some(100.0));
    }

    #[test]
    fn what_is_outside_the_subset_is_none() {
        let v = vars(&[("b", 1.0)]);
        assert_eq!(
            eval("((b: number) => (b < 18.5 ? \"x\" : \"y\"))(v.b)", &v),
            None
        );
        assert_eq!(eval("v.missing + 1", &v), None);
        assert_eq!(eval("v.b / 0", &v), None);
        assert_eq!(eval("v.b +", &v), None);
    }
}
