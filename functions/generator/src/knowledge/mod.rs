//! Built-in knowledge the offline generator writes content from: quiz questions, landing page
//! copy, calculator formulas and typical fields of common records.

pub mod calculators;
pub mod landing;
pub mod quiz;
pub mod suggestions;
