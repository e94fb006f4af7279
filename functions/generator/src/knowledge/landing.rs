//! Copy for landing pages: sections named in the description, filled with plausible content
//! for the kind of business (a small set of domains, else neutral wording).

use crate::spec::{LandingItem, LandingSection, SectionKind};
use crate::text::{capitalize, has_any};

struct Domain {
    keys: &'static [&'static str],
    cta: &'static str,
    tagline: &'static str,
    offers: [&'static str; 6],
    people: [&'static str; 3],
    plans: [(&'static str, &'static str); 4],
}

const DOMAINS: &[Domain] = &[
    Domain {
        keys: &[
            "yoga",
            "pilates",
            "fitness",
            "gym",
            "studio",
            "dance",
            "martial",
            "crossfit",
            "wellness",
            "meditation",
        ],
        cta: "Book a class",
        tagline: "Move, breathe and grow stronger with classes for every level.",
        offers: [
            "Morning Flow",
            "Power Session",
            "Gentle Stretch",
            "Core Strength",
            "Evening Unwind",
            "Weekend Workshop",
        ],
        people: ["Maya Chen", "Jonas Weber", "Priya Patel"],
        plans: [
            ("Drop-in", "$18 / class"),
            ("Monthly", "$89 / month"),
            ("Annual", "$890 / year"),
            ("Family", "$149 / month"),
        ],
    },
    Domain {
        keys: &[
            "restaurant",
            "cafe",
            "café",
            "coffee",
            "bakery",
            "bistro",
            "bar",
            "pizzeria",
            "food",
            "kitchen",
            "catering",
        ],
        cta: "Reserve a table",
        tagline: "Fresh, seasonal food made with care — come hungry, leave happy.",
        offers: [
            "Seasonal soup",
            "House salad",
            "Wood-fired flatbread",
            "Slow-roasted chicken",
            "Vegetable curry",
            "Chocolate tart",
        ],
        people: ["Lucia Romano", "Tom Becker", "Aisha Khan"],
        plans: [
            ("Lunch menu", "$15"),
            ("Dinner for two", "$55"),
            ("Tasting menu", "$85"),
            ("Private event", "From $500"),
        ],
    },
    Domain {
        keys: &[
            "photographer",
            "photography",
            "portfolio",
            "designer",
            "artist",
            "illustrator",
            "architect",
            "creative",
            "freelance",
            "developer",
        ],
        cta: "Start a project",
        tagline: "Thoughtful work, crafted with care and delivered on time.",
        offers: [
            "Brand identity",
            "Editorial",
            "Portraits",
            "Web design",
            "Product shoots",
            "Exhibitions",
        ],
        people: ["Sam Rivera", "Elena Novak", "Kwame Mensah"],
        plans: [
            ("Starter", "$490"),
            ("Standard", "$1,200"),
            ("Premium", "$2,900"),
            ("Retainer", "$900 / month"),
        ],
    },
    Domain {
        keys: &[
            "clinic", "dental", "dentist", "doctor", "medical", "physio", "therapy", "salon",
            "spa", "barber", "beauty", "massage", "vet",
        ],
        cta: "Book an appointment",
        tagline: "Friendly experts, modern care and appointments that fit your day.",
        offers: [
            "Consultation",
            "Check-up",
            "Treatment plan",
            "Follow-up visit",
            "Family care",
            "Same-day appointments",
        ],
        people: ["Dr. Anna Larsen", "Dr. Omar Haddad", "Grace Kim"],
        plans: [
            ("Basic", "$49"),
            ("Standard", "$99"),
            ("Complete", "$179"),
            ("Membership", "$29 / month"),
        ],
    },
    Domain {
        keys: &[
            "software",
            "saas",
            "startup",
            "product",
            "platform",
            "tech",
            "ai",
            "cloud",
            "analytics",
        ],
        cta: "Start free trial",
        tagline: "The simple way to get more done — set up in minutes, loved by teams.",
        offers: [
            "Fast setup",
            "Real-time collaboration",
            "Secure by default",
            "Integrations",
            "Insightful reports",
            "24/7 support",
        ],
        people: ["Nora Fischer", "Daniel Okafor", "Mei Tanaka"],
        plans: [
            ("Free", "$0"),
            ("Pro", "$12 / month"),
            ("Team", "$29 / month"),
            ("Enterprise", "Contact us"),
        ],
    },
    Domain {
        keys: &[
            "school",
            "course",
            "courses",
            "academy",
            "tutoring",
            "tutor",
            "learning",
            "education",
            "training",
            "language",
            "music lessons",
            "workshop",
        ],
        cta: "Enrol now",
        tagline: "Learn with expert teachers in small, friendly groups.",
        offers: [
            "Beginner course",
            "Intermediate course",
            "Advanced course",
            "Private lessons",
            "Weekend intensive",
            "Online classes",
        ],
        people: ["Clara Dubois", "Mateo García", "Hannah Schmidt"],
        plans: [
            ("Single lesson", "$35"),
            ("Term", "$320"),
            ("Year", "$900"),
            ("Private", "$60 / hour"),
        ],
    },
    Domain {
        keys: &[
            "event",
            "conference",
            "festival",
            "fundraiser",
            "wedding",
            "concert",
            "meetup",
            "summit",
            "charity",
        ],
        cta: "Get tickets",
        tagline: "A day of ideas, music and community — join us.",
        offers: [
            "Opening keynote",
            "Panel discussion",
            "Workshops",
            "Lunch & networking",
            "Live music",
            "Closing party",
        ],
        people: ["Liam O'Brien", "Sofia Rossi", "Ravi Sharma"],
        plans: [
            ("Standard", "$49"),
            ("VIP", "$129"),
            ("Group of 5", "$199"),
            ("Supporter", "$250"),
        ],
    },
    Domain {
        keys: &[
            "hotel", "resort", "bnb", "inn", "hostel", "cabin", "villa", "travel", "tour", "tours",
        ],
        cta: "Check availability",
        tagline: "Comfortable rooms, warm welcomes and everything close by.",
        offers: [
            "Standard room",
            "Deluxe room",
            "Family suite",
            "Breakfast included",
            "Guided tours",
            "Airport transfer",
        ],
        people: ["Isabel Moreno", "Peter Hansen", "Yuki Sato"],
        plans: [
            ("Standard", "$120 / night"),
            ("Deluxe", "$180 / night"),
            ("Suite", "$260 / night"),
            ("Long stay", "$700 / week"),
        ],
    },
];

const NEUTRAL: Domain = Domain {
    keys: &[],
    cta: "Get in touch",
    tagline: "Quality service from people who care about the details.",
    offers: [
        "Consultation",
        "Custom solutions",
        "Ongoing support",
        "Fast turnaround",
        "Fair pricing",
        "Satisfaction guaranteed",
    ],
    people: ["Alex Morgan", "Jamie Lee", "Chris Taylor"],
    plans: [
        ("Basic", "$29 / month"),
        ("Standard", "$59 / month"),
        ("Premium", "$99 / month"),
        ("Custom", "Contact us"),
    ],
};

fn domain(text: &str) -> &'static Domain {
    DOMAINS
        .iter()
        .find(|d| has_any(text, d.keys))
        .unwrap_or(&NEUTRAL)
}

pub fn cta(text: &str) -> String {
    domain(text).cta.to_owned()
}

pub fn tagline(text: &str) -> String {
    domain(text).tagline.to_owned()
}

/// Section kinds named in `text`, in the order they are mentioned.
pub fn sections_named(text: &str) -> Vec<SectionKind> {
    let lower = text.to_lowercase();
    let vocab: &[(SectionKind, &[&str])] = &[
        (
            SectionKind::About,
            &["about", "our story", "mission", "bio"],
        ),
        (
            SectionKind::Features,
            &[
                "features",
                "services",
                "benefits",
                "what we do",
                "offerings",
                "products",
            ],
        ),
        (
            SectionKind::Schedule,
            &[
                "schedule",
                "timetable",
                "classes",
                "class times",
                "agenda",
                "program",
                "programme",
            ],
        ),
        (SectionKind::Menu, &["menu", "dishes"]),
        (
            SectionKind::Pricing,
            &[
                "pricing",
                "price plans",
                "plans",
                "prices",
                "packages",
                "membership",
                "tickets",
                "rates",
            ],
        ),
        (
            SectionKind::Testimonials,
            &["testimonials", "reviews", "what people say", "quotes"],
        ),
        (
            SectionKind::Gallery,
            &[
                "gallery",
                "photos",
                "portfolio",
                "projects",
                "work samples",
                "showcase",
            ],
        ),
        (
            SectionKind::Team,
            &[
                "team",
                "instructors",
                "staff",
                "teachers",
                "trainers",
                "speakers",
                "our people",
            ],
        ),
        (
            SectionKind::Events,
            &["events", "upcoming", "dates", "calendar"],
        ),
        (
            SectionKind::Hours,
            &["opening hours", "hours", "location", "find us", "visit us"],
        ),
        (SectionKind::Faq, &["faq", "faqs", "questions", "q&a"]),
        (
            SectionKind::Newsletter,
            &[
                "newsletter",
                "mailing list",
                "email signup",
                "email sign-up",
                "email sign up",
                "subscribe",
                "subscribers",
            ],
        ),
    ];
    let mut found: Vec<(usize, SectionKind)> = vec![];
    // "a menu with dishes and prices": the prices are the menu's, not pricing plans.
    let menu = find_word(&lower, "menu").is_some();
    for (kind, keys) in vocab {
        let pos = keys
            .iter()
            .filter(|k| !(menu && *kind == SectionKind::Pricing && **k == "prices"))
            .filter_map(|k| find_word(&lower, k))
            .min();
        if let Some(p) = pos {
            found.push((p, *kind));
        }
    }
    found.sort_by_key(|(p, _)| *p);
    found.into_iter().map(|(_, k)| k).collect()
}

fn find_word(hay: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let at = from + i;
        let before = hay[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = hay[at + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

/// Drinks when the menu is of drinks ("three drinks", "coffees").
const DRINKS: [(&str, &str); 6] = [
    ("Espresso", "$3"),
    ("Cappuccino", "$4"),
    ("Flat white", "$4"),
    ("Iced latte", "$5"),
    ("Chai latte", "$4"),
    ("Hot chocolate", "$4"),
];

/// A menu's dishes (or drinks) with prices, as many as the text asks for ("three drinks",
/// "4 dishes"), six by default.
fn menu_items(text: &str) -> Vec<(&'static str, &'static str)> {
    let ws = crate::text::words(text);
    let drinks = ws.iter().any(|w| {
        matches!(
            w.as_str(),
            "drinks" | "coffees" | "coffee" | "teas" | "cocktails"
        )
    });
    let count = ws.iter().enumerate().find_map(|(i, w)| {
        matches!(
            w.as_str(),
            "drinks" | "dishes" | "items" | "coffees" | "plates" | "cocktails" | "pizzas"
        )
        .then(|| {
            i.checked_sub(1)
                .and_then(|j| crate::text::parse_count(&ws[j]))
        })
        .flatten()
    });
    let all: Vec<(&str, &str)> = if drinks {
        DRINKS.to_vec()
    } else {
        domain(text)
            .offers
            .iter()
            .copied()
            .zip(["$8", "$11", "$14", "$19", "$16", "$9"])
            .collect()
    };
    let n = count.map_or(all.len(), |n| (n as usize).clamp(1, all.len()));
    all.into_iter().take(n).collect()
}

/// How many pricing plans the text asks for ("three pricing plans"), 3 by default.
pub fn plan_count(text: &str) -> usize {
    let ws = crate::text::words(text);
    for (i, w) in ws.iter().enumerate() {
        if matches!(w.as_str(), "plans" | "tiers" | "packages" | "options")
            && let Some(n) = ws[..i]
                .iter()
                .rev()
                .take(3)
                .find_map(|x| crate::text::parse_count(x))
        {
            return (n as usize).clamp(1, 4);
        }
    }
    3
}

/// A filled section of `kind` for a page about `subject`.
pub fn section(kind: SectionKind, subject: &str, text: &str) -> LandingSection {
    let d = domain(text);
    let subj = if subject.is_empty() {
        "us".to_owned()
    } else {
        format!("our {subject}")
    };
    let item = |title: &str, text: &str, meta: &str| LandingItem {
        title: title.to_owned(),
        text: text.to_owned(),
        meta: meta.to_owned(),
    };
    let (id, title, intro, items): (&str, String, String, Vec<LandingItem>) = match kind {
        SectionKind::About => (
            "about",
            "About us".into(),
            format!("Welcome to {subj}. We started with a simple idea: make every visit worth it."),
            vec![
                item(
                    "Our story",
                    "Founded by people who love what they do, and still run by them.",
                    "",
                ),
                item(
                    "Our promise",
                    "Honest advice, fair prices and a warm welcome every time.",
                    "",
                ),
                item(
                    "Our community",
                    "Hundreds of happy regulars — and room for you.",
                    "",
                ),
            ],
        ),
        SectionKind::Features => (
            "services",
            "What we offer".into(),
            String::new(),
            d.offers
                .iter()
                .take(3)
                .map(|o| {
                    item(
                        o,
                        &format!("{o} tailored to you, with attention to every detail."),
                        "",
                    )
                })
                .collect(),
        ),
        SectionKind::Schedule => (
            "schedule",
            "Class schedule".into(),
            "Drop in or book ahead — all levels welcome.".into(),
            [
                ("Monday", "07:00"),
                ("Tuesday", "18:30"),
                ("Wednesday", "12:15"),
                ("Thursday", "18:30"),
                ("Saturday", "09:00"),
                ("Sunday", "17:00"),
            ]
            .iter()
            .zip(d.offers.iter().cycle())
            .zip(d.people.iter().cycle())
            .map(|(((day, time), offer), person)| item(offer, person, &format!("{day} {time}")))
            .collect(),
        ),
        SectionKind::Menu => (
            "menu",
            "Menu".into(),
            "Made fresh every day.".into(),
            menu_items(text)
                .into_iter()
                .map(|(o, p)| item(o, "Seasonal ingredients, prepared in house.", p))
                .collect(),
        ),
        SectionKind::Pricing => {
            let n = plan_count(text);
            (
                "pricing",
                "Pricing plans".into(),
                "Simple plans, no hidden fees.".into(),
                d.plans
                    .iter()
                    .take(n)
                    .enumerate()
                    .map(|(i, (name, price))| {
                        let perks = [
                            "Everything you need to start",
                            "Our most popular choice",
                            "The full experience",
                            "Made to measure",
                        ];
                        item(name, perks[i.min(3)], price)
                    })
                    .collect(),
            )
        }
        SectionKind::Testimonials => (
            "testimonials",
            "What people say".into(),
            String::new(),
            vec![
                item(
                    d.people[0],
                    &format!("The best decision I made this year. I recommend {subj} to everyone."),
                    "Regular",
                ),
                item(
                    d.people[1],
                    "Friendly, professional and always on time.",
                    "Customer",
                ),
                item(
                    d.people[2],
                    "I keep coming back — it just feels right.",
                    "Member",
                ),
            ],
        ),
        SectionKind::Gallery => (
            "gallery",
            "Gallery".into(),
            String::new(),
            d.offers.iter().map(|o| item(o, "", "")).collect(),
        ),
        SectionKind::Team => (
            "team",
            "Meet the team".into(),
            String::new(),
            d.people
                .iter()
                .zip(["Founder", "Lead", "Specialist"])
                .map(|(p, r)| {
                    item(
                        p,
                        "Years of experience and a passion for helping people.",
                        r,
                    )
                })
                .collect(),
        ),
        SectionKind::Events => (
            "events",
            "Upcoming events".into(),
            String::new(),
            d.offers
                .iter()
                .skip(3)
                .zip(["March 14", "April 2", "May 21"])
                .map(|(o, when)| item(o, "Spaces are limited — reserve yours early.", when))
                .collect(),
        ),
        SectionKind::Hours => (
            "hours",
            "Opening hours".into(),
            "Find us in the heart of town.".into(),
            vec![
                item("Monday – Friday", "", "08:00 – 20:00"),
                item("Saturday", "", "09:00 – 18:00"),
                item("Sunday", "Closed on public holidays", "10:00 – 16:00"),
            ],
        ),
        SectionKind::Newsletter => (
            "newsletter",
            "Newsletter".into(),
            format!("News and offers from {subj}, once a month."),
            vec![],
        ),
        SectionKind::Faq => (
            "faq",
            "Frequently asked questions".into(),
            String::new(),
            vec![
                item(
                    "Do I need to book in advance?",
                    "Booking ahead guarantees your place, but walk-ins are welcome when there is room.",
                    "",
                ),
                item(
                    "How can I pay?",
                    "We accept cards, cash and bank transfer.",
                    "",
                ),
                item(
                    "Can I cancel or reschedule?",
                    "Yes — let us know at least 24 hours before.",
                    "",
                ),
                item(
                    "How do I contact you?",
                    "Use the contact form below and we will reply within one working day.",
                    "",
                ),
            ],
        ),
    };
    LandingSection {
        id: id.to_owned(),
        kind,
        title: capitalize(&title),
        intro,
        items,
    }
}
