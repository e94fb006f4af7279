//! Vocabulary of general English the analysis reads descriptions with: colour names, words
//! that name field types, role words, and words that are not nouns of a record.

use crate::spec::FieldType;

/// The 148 CSS named colours with their sRGB values.
pub const CSS_COLORS: &[(&str, u32)] = &[
    ("aliceblue", 0xf0f8ff),
    ("antiquewhite", 0xfaebd7),
    ("aqua", 0x00ffff),
    ("aquamarine", 0x7fffd4),
    ("azure", 0xf0ffff),
    ("beige", 0xf5f5dc),
    ("bisque", 0xffe4c4),
    ("black", 0x000000),
    ("blanchedalmond", 0xffebcd),
    ("blue", 0x0000ff),
    ("blueviolet", 0x8a2be2),
    ("brown", 0xa52a2a),
    ("burlywood", 0xdeb887),
    ("cadetblue", 0x5f9ea0),
    ("chartreuse", 0x7fff00),
    ("chocolate", 0xd2691e),
    ("coral", 0xff7f50),
    ("cornflowerblue", 0x6495ed),
    ("cornsilk", 0xfff8dc),
    ("crimson", 0xdc143c),
    ("cyan", 0x00ffff),
    ("darkblue", 0x00008b),
    ("darkcyan", 0x008b8b),
    ("darkgoldenrod", 0xb8860b),
    ("darkgray", 0xa9a9a9),
    ("darkgreen", 0x006400),
    ("darkgrey", 0xa9a9a9),
    ("darkkhaki", 0xbdb76b),
    ("darkmagenta", 0x8b008b),
    ("darkolivegreen", 0x556b2f),
    ("darkorange", 0xff8c00),
    ("darkorchid", 0x9932cc),
    ("darkred", 0x8b0000),
    ("darksalmon", 0xe9967a),
    ("darkseagreen", 0x8fbc8f),
    ("darkslateblue", 0x483d8b),
    ("darkslategray", 0x2f4f4f),
    ("darkslategrey", 0x2f4f4f),
    ("darkturquoise", 0x00ced1),
    ("darkviolet", 0x9400d3),
    ("deeppink", 0xff1493),
    ("deepskyblue", 0x00bfff),
    ("dimgray", 0x696969),
    ("dimgrey", 0x696969),
    ("dodgerblue", 0x1e90ff),
    ("firebrick", 0xb22222),
    ("floralwhite", 0xfffaf0),
    ("forestgreen", 0x228b22),
    ("fuchsia", 0xff00ff),
    ("gainsboro", 0xdcdcdc),
    ("ghostwhite", 0xf8f8ff),
    ("gold", 0xffd700),
    ("goldenrod", 0xdaa520),
    ("gray", 0x808080),
    ("green", 0x008000),
    ("greenyellow", 0xadff2f),
    ("grey", 0x808080),
    ("honeydew", 0xf0fff0),
    ("hotpink", 0xff69b4),
    ("indianred", 0xcd5c5c),
    ("indigo", 0x4b0082),
    ("ivory", 0xfffff0),
    ("khaki", 0xf0e68c),
    ("lavender", 0xe6e6fa),
    ("lavenderblush", 0xfff0f5),
    ("lawngreen", 0x7cfc00),
    ("lemonchiffon", 0xfffacd),
    ("lightblue", 0xadd8e6),
    ("lightcoral", 0xf08080),
    ("lightcyan", 0xe0ffff),
    ("lightgoldenrodyellow", 0xfafad2),
    ("lightgray", 0xd3d3d3),
    ("lightgreen", 0x90ee90),
    ("lightgrey", 0xd3d3d3),
    ("lightpink", 0xffb6c1),
    ("lightsalmon", 0xffa07a),
    ("lightseagreen", 0x20b2aa),
    ("lightskyblue", 0x87cefa),
    ("lightslategray", 0x778899),
    ("lightslategrey", 0x778899),
    ("lightsteelblue", 0xb0c4de),
    ("lightyellow", 0xffffe0),
    ("lime", 0x00ff00),
    ("limegreen", 0x32cd32),
    ("linen", 0xfaf0e6),
    ("magenta", 0xff00ff),
    ("maroon", 0x800000),
    ("mediumaquamarine", 0x66cdaa),
    ("mediumblue", 0x0000cd),
    ("mediumorchid", 0xba55d3),
    ("mediumpurple", 0x9370db),
    ("mediumseagreen", 0x3cb371),
    ("mediumslateblue", 0x7b68ee),
    ("mediumspringgreen", 0x00fa9a),
    ("mediumturquoise", 0x48d1cc),
    ("mediumvioletred", 0xc71585),
    ("midnightblue", 0x191970),
    ("mintcream", 0xf5fffa),
    ("mistyrose", 0xffe4e1),
    ("moccasin", 0xffe4b5),
    ("navajowhite", 0xffdead),
    ("navy", 0x000080),
    ("oldlace", 0xfdf5e6),
    ("olive", 0x808000),
    ("olivedrab", 0x6b8e23),
    ("orange", 0xffa500),
    ("orangered", 0xff4500),
    ("orchid", 0xda70d6),
    ("palegoldenrod", 0xeee8aa),
    ("palegreen", 0x98fb98),
    ("paleturquoise", 0xafeeee),
    ("palevioletred", 0xdb7093),
    ("papayawhip", 0xffefd5),
    ("peachpuff", 0xffdab9),
    ("peru", 0xcd853f),
    ("pink", 0xffc0cb),
    ("plum", 0xdda0dd),
    ("powderblue", 0xb0e0e6),
    ("purple", 0x800080),
    ("rebeccapurple", 0x663399),
    ("red", 0xff0000),
    ("rosybrown", 0xbc8f8f),
    ("royalblue", 0x4169e1),
    ("saddlebrown", 0x8b4513),
    ("salmon", 0xfa8072),
    ("sandybrown", 0xf4a460),
    ("seagreen", 0x2e8b57),
    ("seashell", 0xfff5ee),
    ("sienna", 0xa0522d),
    ("silver", 0xc0c0c0),
    ("skyblue", 0x87ceeb),
    ("slateblue", 0x6a5acd),
    ("slategray", 0x708090),
    ("slategrey", 0x708090),
    ("snow", 0xfffafa),
    ("springgreen", 0x00ff7f),
    ("steelblue", 0x4682b4),
    ("tan", 0xd2b48c),
    ("teal", 0x008080),
    ("thistle", 0xd8bfd8),
    ("tomato", 0xff6347),
    ("turquoise", 0x40e0d0),
    ("violet", 0xee82ee),
    ("wheat", 0xf5deb3),
    ("white", 0xffffff),
    ("whitesmoke", 0xf5f5f5),
    ("yellow", 0xffff00),
    ("yellowgreen", 0x9acd32),
];

/// Common colour phrases that are not CSS names, mapped to a CSS name or hex value.
pub const COLOR_ALIASES: &[(&str, &str)] = &[
    ("light goldenrod", "lightgoldenrodyellow"),
    ("navy blue", "navy"),
    ("off white", "#faf9f6"),
    ("off-white", "#faf9f6"),
    ("charcoal", "#36454f"),
    ("cream", "#fffdd0"),
    ("burgundy", "#800020"),
    ("emerald", "#50c878"),
    ("mustard", "#e1ad01"),
    ("baby blue", "#89cff0"),
    ("mint green", "#98ff98"),
    ("mint", "#98ff98"),
    ("sand", "#c2b280"),
    ("terracotta", "#e2725b"),
    ("cobalt", "#0047ab"),
    ("sapphire", "#0f52ba"),
    ("ruby", "#e0115f"),
    ("amber", "#ffbf00"),
    ("lilac", "#c8a2c8"),
    ("peach", "#ffe5b4"),
    ("rose", "#ff007f"),
    ("dark gray", "darkgray"),
    ("light grey", "lightgrey"),
];

pub fn css_color_rgb(name: &str) -> Option<u32> {
    CSS_COLORS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Words that say which part of the UI a colour in the same clause is for.
pub const BACKGROUND_WORDS: &[&str] = &[
    "background",
    "backgrounds",
    "backdrop",
    "bg",
    "canvas",
    "base",
    "page",
    "pages",
    "body",
    "layout",
];
pub const ACCENT_WORDS: &[&str] = &[
    "button",
    "buttons",
    "component",
    "components",
    "element",
    "elements",
    "ui",
    "interface",
    "control",
    "controls",
    "accent",
    "accents",
    "highlight",
    "highlights",
    "primary",
    "link",
    "links",
    "blocks",
    "widgets",
    "pieces",
    "visuals",
    "details",
    "styling",
    "cta",
    "header",
    "headers",
];
pub const TEXT_WORDS: &[&str] = &["text", "font", "fonts", "typography", "foreground"];
/// Words that make a colour in a clause without a role word count as a theme colour.
pub const THEME_WORDS: &[&str] = &["theme", "palette", "scheme", "colors", "colours", "styled"];

/// A field-type word and the type it implies.
pub struct TypeWord {
    pub word: &'static str,
    pub kind: FieldType,
}

macro_rules! words {
    ($kind:expr; $($w:literal),* $(,)?) => {
        &[$(TypeWord { word: $w, kind: $kind }),*]
    };
}

pub const EMAIL_WORDS: &[TypeWord] = words!(FieldType::Email; "email", "e-mail", "emails");
pub const PHONE_WORDS: &[TypeWord] =
    words!(FieldType::Tel; "phone", "telephone", "mobile", "cell", "whatsapp");
pub const URL_WORDS: &[TypeWord] =
    words!(FieldType::Url; "website", "url", "link", "homepage", "site", "github", "linkedin");
pub const DATE_WORDS: &[TypeWord] = words!(FieldType::Date; "date", "birthday", "deadline", "due", "dob", "anniversary");
pub const TIME_WORDS: &[TypeWord] = words!(FieldType::Time; "time", "start", "end", "hour");
pub const MONEY_WORDS: &[TypeWord] = words!(FieldType::Money;
    "price", "cost", "amount", "salary", "budget", "fee", "fees", "balance", "revenue", "income",
    "expense", "expenses", "spent", "spend", "payment", "wage", "bill", "value", "rent", "donation",
    "pay", "subtotal", "deposit", "prices", "costs");
pub const PERCENT_WORDS: &[TypeWord] =
    words!(FieldType::Percent; "percent", "percentage", "%", "discount", "rate", "progress");
pub const NUMBER_WORDS: &[TypeWord] = words!(FieldType::Number;
    "quantity", "qty", "count", "age", "minutes", "hours", "servings", "calories", "pages",
    "weight", "height", "stock", "units", "year", "number", "capacity", "seats", "guests",
    "duration", "distance", "reps", "sets", "steps", "points", "score", "km", "miles", "kg",
    "size", "length", "level", "floor", "mileage", "days", "people", "attendees", "grade", "goal", "target",
    "liters", "litres", "gallons", "kwh", "grams", "pounds", "ounces", "servings", "nights", "rooms", "laps");
pub const RATING_WORDS: &[TypeWord] = words!(FieldType::Rating; "rating", "stars", "ratings");
pub const LONGTEXT_WORDS: &[TypeWord] = words!(FieldType::Longtext;
    "description", "notes", "note", "comments", "comment", "message", "bio", "ingredients",
    "details", "summary", "instructions", "content", "body", "review", "feedback", "directions",
    "remarks", "symptoms", "biography", "story", "reason", "text");
pub const BOOLEAN_WORDS: &[TypeWord] = words!(FieldType::Boolean;
    "paid", "completed", "done", "available", "archived", "favorite", "favourite", "verified",
    "shipped", "returned", "read", "vegetarian", "vegan", "public", "urgent");
/// Heads of a closed set of choices.
pub const ENUM_WORDS: &[TypeWord] = words!(FieldType::Enum;
    "status", "category", "type", "priority", "stage", "genre", "role", "department", "difficulty",
    "mood", "kind", "tier", "plan", "condition", "room", "gender", "platform", "frequency",
    "payment method", "method", "channel", "source", "shift", "severity", "format", "language",
    "team", "class", "group", "season", "meal", "topic", "court", "desk", "table", "resource", "vehicle", "location");

pub const ALL_TYPE_WORDS: &[&[TypeWord]] = &[
    EMAIL_WORDS,
    PHONE_WORDS,
    URL_WORDS,
    RATING_WORDS,
    DATE_WORDS,
    MONEY_WORDS,
    PERCENT_WORDS,
    NUMBER_WORDS,
    LONGTEXT_WORDS,
    BOOLEAN_WORDS,
    ENUM_WORDS,
    TIME_WORDS,
];

/// Nouns that are ordinary text fields of records.
pub const TEXT_FIELD_WORDS: &[&str] = &[
    "name", "title", "company", "organization", "organisation", "address", "city", "country",
    "author", "owner", "assignee", "sku", "code", "isbn", "brand", "model", "venue", "subject",
    "course", "teacher", "student", "tags", "tag", "cuisine", "client", "customer", "project",
    "vendor", "supplier", "contact", "person", "guest", "host", "destination", "airline",
    "flight", "task", "habit", "item", "product", "username", "nickname", "surname", "street",
    "zip", "postcode", "species", "breed", "color", "colour", "director", "artist", "album",
    "publisher", "instructor", "doctor", "patient", "employee", "manager", "position", "job",
    "school", "major", "store", "shop", "restaurant", "dish", "recipe", "movie", "book", "song",
    "ingredient", "exercise", "workout", "medication", "dose", "dosage", "symptom", "account",
    "reference", "serial", "id", "label", "part", "sport", "event", "speaker", "region",
];

/// Words that start a phrase which is an action, not a field ("search them by title").
pub const VERBS: &[&str] = &[
    "add", "adding", "delete", "deleting", "remove", "edit", "editing", "update", "show", "shows",
    "showing", "see", "search", "filter", "sort", "mark", "tick", "keep", "view", "let", "lets",
    "can", "be", "want", "display", "displays", "list", "lists", "move", "moved", "get", "make",
    "use", "using", "set", "highlight", "refuse", "pick", "choose", "select", "click", "save",
    "store", "track", "create", "manage", "export", "import", "print", "share", "allow",
    "allows", "calculate", "compute", "enter", "type", "check", "sum", "count", "total", "group",
    "it", "them", "i", "we", "you", "they", "so", "then", "also", "which", "that", "where",
    "when", "if", "should", "must", "will", "provide", "support", "supports", "include",
    "includes", "including", "has", "have", "with", "for", "to", "in", "on", "at", "by", "from",
    "all", "each", "every", "filtered", "sorted", "is", "are", "was",
];

/// Determiners and possessives stripped from the front of a noun phrase.
pub const DETERMINERS: &[&str] = &[
    "a", "an", "the", "their", "his", "her", "its", "your", "my", "our", "each", "every",
    "optional", "required", "some", "any", "one", "his/her", "current", "new", "own",
];

/// Nouns too generic to name the records an app manages.
pub const NOT_ENTITIES: &[&str] = &[
    "app", "apps", "application", "page", "pages", "website", "site", "web", "tool", "form",
    "list", "way", "data", "simple", "small", "field", "fields", "thing", "things", "it", "them",
    "system", "platform", "interface", "ui", "button", "buttons", "section", "sections", "user",
    "option", "options", "personal", "new", "my", "the", "a", "an", "information", "info",
    "table", "column", "columns", "screen", "view", "dashboard", "one", "some", "entries",
    "entry", "record", "records", "item", "items", "details", "basic", "multiple", "number",
];

/// Nouns that do not change in the plural.
pub const UNCOUNTABLE: &[&str] = &[
    "feedback", "inventory", "equipment", "information", "furniture", "news", "software",
    "staff", "stock", "mail", "music", "homework", "luggage", "jewelry", "research", "advice",
    "data", "series", "species", "sheep", "fish",
];

pub const IRREGULAR_PLURALS: &[(&str, &str)] = &[
    ("person", "people"),
    ("child", "children"),
    ("man", "men"),
    ("woman", "women"),
    ("foot", "feet"),
    ("tooth", "teeth"),
    ("mouse", "mice"),
    ("goose", "geese"),
    ("analysis", "analyses"),
];

pub const NUMBER_WORDS_EN: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fifteen", 15),
    ("twenty", 20),
];
