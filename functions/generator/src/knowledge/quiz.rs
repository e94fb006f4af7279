//! A small bank of quiz questions on common topics, chosen by words in the description.

use crate::spec::{QuizQuestion, QuizSpec};
use crate::text::has_any;

type Q = (&'static str, [&'static str; 4], usize);

struct Topic {
    name: &'static str,
    keys: &'static [&'static str],
    questions: &'static [Q],
}

const TOPICS: &[Topic] = &[
    Topic {
        name: "the solar system",
        keys: &[
            "solar system",
            "planet",
            "planets",
            "space",
            "astronomy",
            "sun",
            "moon",
            "stars",
        ],
        questions: &[
            (
                "Which planet is closest to the Sun?",
                ["Venus", "Mercury", "Mars", "Earth"],
                1,
            ),
            (
                "Which is the largest planet in the solar system?",
                ["Saturn", "Neptune", "Jupiter", "Uranus"],
                2,
            ),
            (
                "Which planet is known as the Red Planet?",
                ["Mars", "Venus", "Mercury", "Jupiter"],
                0,
            ),
            (
                "How many planets orbit the Sun?",
                ["Seven", "Nine", "Ten", "Eight"],
                3,
            ),
            (
                "Which planet has the most famous ring system?",
                ["Uranus", "Saturn", "Earth", "Mars"],
                1,
            ),
            (
                "What is the Sun?",
                ["A planet", "A comet", "A star", "A moon"],
                2,
            ),
            (
                "Which planet is farthest from the Sun?",
                ["Neptune", "Uranus", "Saturn", "Pluto"],
                0,
            ),
            (
                "What is Earth's natural satellite called?",
                ["Phobos", "Titan", "Europa", "The Moon"],
                3,
            ),
        ],
    },
    Topic {
        name: "world capitals",
        keys: &[
            "capital",
            "capitals",
            "geography",
            "countries",
            "country",
            "world",
        ],
        questions: &[
            (
                "What is the capital of France?",
                ["Lyon", "Paris", "Marseille", "Nice"],
                1,
            ),
            (
                "What is the capital of Japan?",
                ["Osaka", "Kyoto", "Tokyo", "Nagoya"],
                2,
            ),
            (
                "What is the capital of Australia?",
                ["Sydney", "Melbourne", "Perth", "Canberra"],
                3,
            ),
            (
                "What is the capital of Canada?",
                ["Ottawa", "Toronto", "Vancouver", "Montreal"],
                0,
            ),
            (
                "What is the capital of Brazil?",
                ["Rio de Janeiro", "Brasília", "São Paulo", "Salvador"],
                1,
            ),
            (
                "What is the capital of Kenya?",
                ["Mombasa", "Kisumu", "Nairobi", "Nakuru"],
                2,
            ),
            (
                "What is the capital of Italy?",
                ["Rome", "Milan", "Naples", "Turin"],
                0,
            ),
            (
                "What is the capital of Egypt?",
                ["Alexandria", "Giza", "Luxor", "Cairo"],
                3,
            ),
        ],
    },
    Topic {
        name: "the human body",
        keys: &[
            "human body",
            "anatomy",
            "biology",
            "body",
            "health",
            "organs",
        ],
        questions: &[
            (
                "How many bones does an adult human have?",
                ["106", "206", "306", "156"],
                1,
            ),
            (
                "Which organ pumps blood around the body?",
                ["Lungs", "Liver", "Heart", "Kidneys"],
                2,
            ),
            (
                "What is the largest organ of the human body?",
                ["Skin", "Liver", "Brain", "Heart"],
                0,
            ),
            (
                "Which blood cells fight infection?",
                [
                    "Red blood cells",
                    "Platelets",
                    "Plasma",
                    "White blood cells",
                ],
                3,
            ),
            (
                "Where in the body is the femur?",
                ["Arm", "Leg", "Skull", "Chest"],
                1,
            ),
            (
                "Which organ do we use to breathe?",
                ["Stomach", "Lungs", "Spleen", "Pancreas"],
                1,
            ),
        ],
    },
    Topic {
        name: "math",
        keys: &[
            "math",
            "maths",
            "mathematics",
            "arithmetic",
            "multiplication",
            "numbers",
            "algebra",
        ],
        questions: &[
            ("What is 7 × 8?", ["54", "56", "64", "58"], 1),
            ("What is 144 ÷ 12?", ["11", "14", "12", "13"], 2),
            ("What is 15% of 200?", ["30", "15", "20", "35"], 0),
            ("What is the square root of 81?", ["8", "7", "10", "9"], 3),
            ("What is 2 to the power of 5?", ["10", "32", "25", "16"], 1),
            (
                "How many degrees are in a right angle?",
                ["45", "180", "90", "60"],
                2,
            ),
            (
                "What is 0.5 as a fraction?",
                ["1/2", "1/5", "5/1", "2/5"],
                0,
            ),
        ],
    },
    Topic {
        name: "programming",
        keys: &[
            "programming",
            "javascript",
            "coding",
            "code",
            "web development",
            "computer",
            "computers",
            "typescript",
            "python",
            "html",
            "css",
        ],
        questions: &[
            (
                "What does HTML stand for?",
                [
                    "Hyperlink Text Mark Language",
                    "HyperText Markup Language",
                    "Home Tool Markup Language",
                    "Hyper Transfer Markup Language",
                ],
                1,
            ),
            (
                "Which language styles web pages?",
                ["Python", "SQL", "CSS", "C"],
                2,
            ),
            (
                "Which keyword declares a constant in JavaScript?",
                ["const", "let", "var", "static"],
                0,
            ),
            (
                "What does CPU stand for?",
                [
                    "Computer Personal Unit",
                    "Central Process Utility",
                    "Core Power Unit",
                    "Central Processing Unit",
                ],
                3,
            ),
            (
                "Which of these is a version control system?",
                ["Docker", "Git", "Nginx", "Redis"],
                1,
            ),
            (
                "What is the result of 2 + \"2\" in JavaScript?",
                ["4", "\"22\"", "NaN", "An error"],
                1,
            ),
        ],
    },
    Topic {
        name: "world history",
        keys: &["history", "historical", "ancient", "war", "wars"],
        questions: &[
            (
                "In which year did World War II end?",
                ["1943", "1945", "1950", "1939"],
                1,
            ),
            (
                "Who was the first person to walk on the Moon?",
                [
                    "Buzz Aldrin",
                    "Yuri Gagarin",
                    "Neil Armstrong",
                    "John Glenn",
                ],
                2,
            ),
            (
                "Which ancient civilisation built the pyramids of Giza?",
                ["Egyptians", "Romans", "Greeks", "Mayans"],
                0,
            ),
            (
                "In which city did the Berlin Wall stand?",
                ["Vienna", "Prague", "Warsaw", "Berlin"],
                3,
            ),
            (
                "Who painted the Mona Lisa?",
                ["Michelangelo", "Leonardo da Vinci", "Raphael", "Donatello"],
                1,
            ),
            (
                "Which empire was ruled by Julius Caesar?",
                ["Ottoman", "Persian", "Roman", "Mongol"],
                2,
            ),
        ],
    },
    Topic {
        name: "animals",
        keys: &[
            "animal", "animals", "wildlife", "nature", "pets", "zoo", "birds",
        ],
        questions: &[
            (
                "What is the largest mammal?",
                ["Elephant", "Blue whale", "Giraffe", "Hippo"],
                1,
            ),
            (
                "How many legs does a spider have?",
                ["Six", "Ten", "Eight", "Four"],
                2,
            ),
            (
                "Which animal is known as the king of the jungle?",
                ["Lion", "Tiger", "Bear", "Wolf"],
                0,
            ),
            (
                "What do bees make?",
                ["Milk", "Silk", "Wax only", "Honey"],
                3,
            ),
            (
                "Which bird cannot fly?",
                ["Eagle", "Penguin", "Sparrow", "Parrot"],
                1,
            ),
            (
                "What is a baby kangaroo called?",
                ["Cub", "Kit", "Joey", "Calf"],
                2,
            ),
        ],
    },
    Topic {
        name: "science",
        keys: &["science", "chemistry", "physics", "elements", "periodic"],
        questions: &[
            (
                "What is the chemical symbol for water?",
                ["O2", "H2O", "CO2", "HO"],
                1,
            ),
            (
                "What gas do plants absorb from the air?",
                ["Oxygen", "Nitrogen", "Carbon dioxide", "Helium"],
                2,
            ),
            (
                "What is the chemical symbol for gold?",
                ["Au", "Ag", "Go", "Gd"],
                0,
            ),
            (
                "At what temperature does water boil at sea level?",
                ["90 °C", "80 °C", "110 °C", "100 °C"],
                3,
            ),
            (
                "What force keeps us on the ground?",
                ["Magnetism", "Gravity", "Friction", "Inertia"],
                1,
            ),
            (
                "What is the speed of light closest to?",
                ["300 km/s", "3,000 km/s", "300,000 km/s", "30 km/s"],
                2,
            ),
        ],
    },
];

const SPANISH: Topic = Topic {
    name: "Spanish vocabulary",
    keys: &["spanish", "español", "espanol"],
    questions: &[
        (
            "What does \"perro\" mean?",
            ["Cat", "Dog", "Bird", "Horse"],
            1,
        ),
        (
            "How do you say \"thank you\" in Spanish?",
            ["Por favor", "Hola", "Gracias", "Adiós"],
            2,
        ),
        (
            "What does \"agua\" mean?",
            ["Water", "Fire", "Air", "Earth"],
            0,
        ),
        (
            "What is \"red\" in Spanish?",
            ["Azul", "Verde", "Amarillo", "Rojo"],
            3,
        ),
        (
            "What does \"libro\" mean?",
            ["Pen", "Book", "Table", "Door"],
            1,
        ),
        (
            "How do you say \"good morning\" in Spanish?",
            [
                "Buenas noches",
                "Hasta luego",
                "Buenos días",
                "Buen provecho",
            ],
            2,
        ),
        (
            "What does \"casa\" mean?",
            ["House", "Car", "Street", "School"],
            0,
        ),
    ],
};

const GENERAL: &[Q] = &[
    (
        "How many days are in a leap year?",
        ["365", "366", "364", "360"],
        1,
    ),
    (
        "Which ocean is the largest?",
        ["Atlantic", "Indian", "Pacific", "Arctic"],
        2,
    ),
    (
        "How many continents are there?",
        ["Seven", "Five", "Six", "Eight"],
        0,
    ),
    (
        "What colour do you get by mixing blue and yellow?",
        ["Purple", "Orange", "Brown", "Green"],
        3,
    ),
    (
        "How many minutes are in an hour?",
        ["100", "60", "30", "90"],
        1,
    ),
    (
        "Which is the tallest mountain on Earth?",
        ["K2", "Kilimanjaro", "Mount Everest", "Mont Blanc"],
        2,
    ),
];

/// A quiz of `count` questions (3 to the bank's size) about the topic named in `text`.
pub fn quiz_for(text: &str, count: usize) -> QuizSpec {
    // A language named in the text wins over topic words it shares ("learning").
    let topic = std::iter::once(&SPANISH)
        .chain(TOPICS.iter())
        .find(|t| has_any(text, t.keys));
    let (name, bank): (String, &[Q]) = match topic {
        Some(t) => (t.name.to_owned(), t.questions),
        // Questions must be about what the title says: an unknown topic gets general
        // knowledge, named as such (clarify tells the user).
        None => ("general knowledge".to_owned(), GENERAL),
    };
    let n = count.max(3).min(bank.len());
    QuizSpec {
        topic: name,
        questions: bank
            .iter()
            .take(n)
            .map(|(q, c, a)| QuizQuestion {
                question: (*q).to_owned(),
                choices: c.iter().map(|s| (*s).to_owned()).collect(),
                answer: *a,
            })
            .collect(),
    }
}
