//! The offline generator's structured form of an app: what analysis derives from the words,
//! what clarify's answers and follow-up requests adjust, and what compose turns into files.
//! Stored as `Requirements.spec`.

use serde::{Deserialize, Serialize};

/// The shape of app the generator composes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// Entity CRUD: a form and a list/table.
    List,
    /// Tasks with done/active filter.
    Tasks,
    /// Habits with daily check-ins and streaks.
    Habits,
    /// Bookings that refuse overlaps.
    Bookings,
    /// Stock with computed row values and low-stock highlighting.
    Inventory,
    /// Records with totals, averages, per-category sums and a chart.
    Dashboard,
    /// Kanban-like board with named columns.
    Board,
    /// Inputs → computed outputs.
    Calculator,
    /// Multiple-choice questions with a score.
    Quiz,
    /// Landing or portfolio page with sections and a contact form.
    Landing,
    /// One of the composed archetypes (games, shop, timers); which one is `AppSpec::archetype`.
    Archetype,
}

impl AppKind {
    pub fn label(self) -> &'static str {
        match self {
            AppKind::List => "list",
            AppKind::Tasks => "task list",
            AppKind::Habits => "habit tracker",
            AppKind::Bookings => "booking app",
            AppKind::Inventory => "inventory",
            AppKind::Dashboard => "dashboard",
            AppKind::Board => "board",
            AppKind::Calculator => "calculator",
            AppKind::Quiz => "quiz",
            AppKind::Landing => "landing page",
            AppKind::Archetype => "app",
        }
    }

    /// Kinds built from the generic collection (form + list) parts.
    pub fn is_collection(self) -> bool {
        matches!(
            self,
            AppKind::List
                | AppKind::Tasks
                | AppKind::Habits
                | AppKind::Bookings
                | AppKind::Inventory
                | AppKind::Dashboard
        )
    }

    /// Kinds whose records have user-chosen fields.
    pub fn has_fields(self) -> bool {
        self.is_collection() || self == AppKind::Board
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Longtext,
    Email,
    Tel,
    Url,
    Number,
    Money,
    Percent,
    Date,
    Time,
    Enum,
    Rating,
    Boolean,
}

impl FieldType {
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Number | FieldType::Money | FieldType::Percent | FieldType::Rating
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Longtext => "long text",
            FieldType::Email => "email",
            FieldType::Tel => "phone",
            FieldType::Url => "link",
            FieldType::Number => "number",
            FieldType::Money => "amount of money",
            FieldType::Percent => "percentage",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::Enum => "choice",
            FieldType::Rating => "rating 1–5",
            FieldType::Boolean => "yes/no",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// A TypeScript-safe identifier, unique within the entity.
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub unit: Option<String>,
    /// Value the form starts with (e.g. a booking's start and end times), if any.
    #[serde(default)]
    pub initial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    pub singular: String,
    pub plural: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupBy {
    pub by: String,
    pub of: Option<String>,
    /// A figure per group over related records (percent done, capacity left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollup: Option<Rollup>,
}

/// What a group shows instead of its total: see [`crate::rollup`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Rollup {
    /// The percentage of the group's records that are done: the status choice's done option
    /// when there is one, else the record's done tick.
    Done { status: Option<String> },
    /// The capacity minus the sum of `of` (or the number of records).
    Left { capacity: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overlap {
    pub resource: Option<String>,
    pub date: String,
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Computed {
    pub label: String,
    pub factors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LowStock {
    pub field: String,
    pub below: f64,
}

/// Behaviour of collection kinds; field references are field keys.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Features {
    pub search: Vec<String>,
    pub filter: Option<String>,
    pub sort: bool,
    pub count: bool,
    pub totals: Vec<String>,
    /// What the description calls the first total when no field has that name
    /// ("total revenue" of the order amounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_name: Option<String>,
    pub averages: Vec<String>,
    pub group_by: Option<GroupBy>,
    pub chart: bool,
    pub done: bool,
    pub streak: bool,
    /// Habits: a grid of this week's days (Mon–Sun) to tick, besides today's button.
    #[serde(default)]
    pub week: bool,
    pub overlap: Option<Overlap>,
    pub computed: Option<Computed>,
    pub low_stock: Option<LowStock>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Table,
    Cards,
}

/// CSS colours (named colours or hex) of the app's roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Theme {
    pub background: String,
    pub text: String,
    pub accent: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuizQuestion {
    pub question: String,
    pub choices: Vec<String>,
    pub answer: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuizSpec {
    pub topic: String,
    pub questions: Vec<QuizQuestion>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    About,
    Features,
    Schedule,
    Pricing,
    Testimonials,
    Gallery,
    Team,
    Faq,
    Menu,
    Events,
    Hours,
    /// An email signup for news ("newsletter", "mailing list").
    Newsletter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LandingItem {
    pub title: String,
    pub text: String,
    pub meta: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LandingSection {
    pub id: String,
    pub kind: SectionKind,
    pub title: String,
    pub intro: String,
    pub items: Vec<LandingItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LandingSpec {
    /// The business or person the page is for ("yoga studio"), used to write its content.
    pub subject: String,
    pub cta: String,
    pub sections: Vec<LandingSection>,
    pub contact: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Money,
    Number,
    Percent,
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalcInput {
    pub key: String,
    pub label: String,
    pub unit: Option<String>,
    pub initial: String,
    pub min: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalcOutput {
    pub label: String,
    pub format: OutputFormat,
    /// A TypeScript expression over `v.<input key>`; built only from the generator's own
    /// formula library, never from user text.
    pub expr: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalculatorSpec {
    /// Which formula family ("tip", "bmi", "loan", …, or "generic").
    pub formula: String,
    pub inputs: Vec<CalcInput>,
    pub outputs: Vec<CalcOutput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSpec {
    pub title: String,
    pub tagline: String,
    pub kind: AppKind,
    pub entity: Entity,
    pub features: Features,
    /// Board columns, in order.
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub calculator: Option<CalculatorSpec>,
    #[serde(default)]
    pub quiz: Option<QuizSpec>,
    #[serde(default)]
    pub landing: Option<LandingSpec>,
    /// What an `AppKind::Archetype` app is, with what it needs to be built.
    #[serde(default)]
    pub archetype: Option<crate::archetypes::Archetype>,
    /// What the description asked for that the offline generator does not build, in words
    /// for the user; requirements, the final message and the app itself list it.
    #[serde(default)]
    pub not_built: Vec<String>,
    pub theme: Theme,
    pub persist: bool,
    /// Where the records live: this browser, or appgen's data service (docs/appdata.md).
    #[serde(default, skip_serializing_if = "DataLocation::is_device")]
    pub data: DataLocation,
    pub layout: Layout,
    /// ISO 4217 code for money fields.
    pub currency: String,
}

/// Where an app's records live, as clarify asks it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataLocation {
    /// In this browser (localStorage when allowed).
    #[default]
    Device,
    /// In appgen's data service, shared by everyone who opens the app, with live updates.
    Cloud,
    /// In the cloud, behind sign-in: each person signs up with email and password and sees
    /// only their own records (the server enforces it, docs/appdata.md).
    Private,
}

impl DataLocation {
    pub const CHOICES: [(DataLocation, &'static str); 3] = [
        (DataLocation::Device, "This device"),
        (DataLocation::Cloud, "Shared in the cloud"),
        (DataLocation::Private, "Private per signed-in person"),
    ];

    pub fn is_device(&self) -> bool {
        *self == DataLocation::Device
    }

    pub fn label(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|(d, _)| *d == self)
            .map_or("This device", |(_, l)| l)
    }

    /// The default read from the description: words of accounts first, then of sharing.
    pub fn from_description(lower: &str) -> DataLocation {
        const PRIVATE: &[&str] = &[
            "sign in",
            "signs in",
            "log in",
            "logs in",
            "login",
            "account",
            "accounts",
            "my own",
            "their own",
            "each person",
            "private",
        ];
        const SHARED: &[&str] = &[
            "shared",
            "share",
            "family",
            "household",
            "team",
            "everyone",
            "live",
            "together",
            "our",
            "roommates",
            "flatmates",
            "colleagues",
            "sync",
        ];
        if crate::text::has_any(lower, PRIVATE) {
            DataLocation::Private
        } else if crate::text::has_any(lower, SHARED) {
            DataLocation::Cloud
        } else {
            DataLocation::Device
        }
    }

    /// An answer to clarify's question (its label, or words like "cloud").
    pub fn from_answer(answer: &str) -> Option<DataLocation> {
        let a = answer.to_lowercase();
        if a.contains("private") || a.contains("signed") {
            Some(DataLocation::Private)
        } else if a.contains("cloud") || a.contains("shared") {
            Some(DataLocation::Cloud)
        } else if a.contains("device") || a.contains("browser") || a.contains("local") {
            Some(DataLocation::Device)
        } else {
            None
        }
    }
}

impl AppSpec {
    /// Whether the record kind can keep its records in the data service.
    pub fn can_share(&self) -> bool {
        matches!(
            self.kind,
            AppKind::List
                | AppKind::Tasks
                | AppKind::Inventory
                | AppKind::Dashboard
                | AppKind::Bookings
        )
    }

    /// The backend collection the app uses, when its data lives in the cloud.
    pub fn cloud_collection(&self) -> Option<String> {
        (self.data != DataLocation::Device && self.can_share())
            .then(|| appgen_core::appdata::collection_name(&self.entity.plural))
    }

    /// Whether the app shows other people's changes as they happen: every cloud app follows
    /// the data API's change stream (`lib/items.ts` subscribes), so its qa proves it live.
    pub fn live_updates(&self) -> bool {
        self.cloud_collection().is_some()
    }

    /// Whether people sign in to use the app, each seeing only their own records.
    pub fn accounts(&self) -> bool {
        self.data == DataLocation::Private && self.can_share()
    }

    /// What the description asked for that this app does not build: `not_built` without the
    /// accounts an app with sign-in has. Derived here, not edited in `not_built`, because clarify,
    /// the start screen and modify can each change where the data lives afterwards.
    pub fn missing(&self) -> Vec<String> {
        self.not_built
            .iter()
            .filter(|w| !(self.accounts() && w.as_str() == crate::requirements::ACCOUNTS))
            .cloned()
            .collect()
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.entity.fields.iter().find(|f| f.key == key)
    }

    /// The field that names a record (first text-like field).
    pub fn primary_key(&self) -> String {
        self.entity
            .fields
            .iter()
            .find(|f| f.kind == FieldType::Text)
            .or_else(|| {
                self.entity
                    .fields
                    .iter()
                    .find(|f| f.kind == FieldType::Longtext)
            })
            .or_else(|| self.entity.fields.first())
            .map(|f| f.key.clone())
            .unwrap_or_default()
    }

    pub fn from_value(value: &serde_json::Value) -> Option<AppSpec> {
        serde_json::from_value(value.clone()).ok()
    }
}
