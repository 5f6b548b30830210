//! Security-question rules: the catalogue, the question policy, answer normalisation, hints.

use crate::codes::ErrorCode;
use crate::secret::Secret;
use crate::wire::QuestionKind;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// One security question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// Stable id (e.g. `q01`).
    pub id: String,
    /// The text shown to the user.
    pub text: String,
    /// TEXT or DATE.
    pub kind: QuestionKind,
}

/// The built-in catalogue the reference server offers by default.
pub fn default_catalogue() -> Vec<Question> {
    const ITEMS: &[(&str, &str, bool)] = &[
        ("q01", "What was the name of your first pet?", false),
        ("q02", "In which city did your parents meet?", false),
        ("q03", "What was the first concert you went to?", false),
        (
            "q04",
            "What is the name of the street you grew up on?",
            false,
        ),
        ("q05", "What was the make of your first car?", false),
        ("q06", "What was the name of your favourite teacher?", false),
        ("q07", "What is your oldest cousin's first name?", false),
        ("q08", "In which town was your first job?", false),
        ("q09", "What was your childhood nickname?", false),
        ("q10", "On what date did you first travel abroad?", true),
        ("q11", "On what date did you meet your best friend?", true),
        (
            "q12",
            "What is the birth date of your oldest sibling?",
            true,
        ),
    ];
    ITEMS
        .iter()
        .map(|(id, text, date)| Question {
            id: (*id).to_owned(),
            text: (*text).to_owned(),
            kind: if *date {
                QuestionKind::Date
            } else {
                QuestionKind::Text
            },
        })
        .collect()
}

/// Why an answer, hint or selection was refused. Never carries the answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerRejection {
    /// Shorter than the minimum after normalisation.
    #[error("the answer must have at least {min} characters")]
    TooShort {
        /// Minimum characters.
        min: usize,
    },
    /// Longer than the maximum after normalisation.
    #[error("the answer must have at most {max} characters")]
    TooLong {
        /// Maximum characters.
        max: usize,
    },
    /// A DATE answer that is not a valid `YYYY-MM-DD` calendar date.
    #[error("the answer must be a date written YYYY-MM-DD")]
    InvalidDate,
    /// The hint contains the answer.
    #[error("the hint must not contain the answer")]
    HintContainsAnswer,
    /// The hint is too long.
    #[error("the hint must have at most {max} characters")]
    HintTooLong {
        /// Maximum characters.
        max: usize,
    },
    /// The wrong number of questions was chosen.
    #[error("choose exactly {required} questions")]
    WrongQuestionCount {
        /// Required number of questions.
        required: usize,
    },
    /// The same question was chosen twice.
    #[error("each question may be chosen only once")]
    DuplicateQuestion,
    /// A question id that is not in the catalogue.
    #[error("unknown question")]
    UnknownQuestion,
}

impl AnswerRejection {
    /// The 155xxx code for this rejection.
    pub fn code(&self) -> ErrorCode {
        match self {
            AnswerRejection::HintContainsAnswer => ErrorCode::HintEqualsAnswer,
            AnswerRejection::WrongQuestionCount { .. }
            | AnswerRejection::DuplicateQuestion
            | AnswerRejection::UnknownQuestion => ErrorCode::InvalidQuestionSelection,
            _ => ErrorCode::InvalidAnswer,
        }
    }
}

/// The rules for security questions, shared by client and server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QuestionPolicy {
    /// How many distinct questions the user must answer (default 2).
    #[cfg_attr(feature = "openapi", schema(value_type = u32))]
    pub required_count: usize,
    /// Minimum characters of a normalised answer (default 2).
    #[cfg_attr(feature = "openapi", schema(value_type = u32))]
    pub min_answer_chars: usize,
    /// Maximum characters of a normalised answer (default 100).
    #[cfg_attr(feature = "openapi", schema(value_type = u32))]
    pub max_answer_chars: usize,
    /// Maximum characters of a hint (default 100).
    #[cfg_attr(feature = "openapi", schema(value_type = u32))]
    pub max_hint_chars: usize,
}

impl Default for QuestionPolicy {
    fn default() -> Self {
        QuestionPolicy {
            required_count: 2,
            min_answer_chars: 2,
            max_answer_chars: 100,
            max_hint_chars: 100,
        }
    }
}

/// Normalises free text for comparison: Unicode NFKC, full case folding, trimmed, inner
/// whitespace collapsed to one space.
pub fn normalize_text(raw: &str) -> Secret {
    let nfkc: Zeroizing<String> = Zeroizing::new(raw.nfkc().collect());
    let folded: Zeroizing<String> = Zeroizing::new(caseless::default_case_fold_str(&nfkc));
    let renorm: Zeroizing<String> = Zeroizing::new(folded.nfkc().collect());
    let mut out = String::with_capacity(renorm.len());
    for word in renorm.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Secret::new(out)
}

/// Checks a `YYYY-MM-DD` calendar date (years 1000 to 9999).
pub fn is_valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &b[r];
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            part.iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    if !(1000..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days
}

impl QuestionPolicy {
    /// Normalises and checks an answer. TEXT answers are normalised with [`normalize_text`];
    /// DATE answers must be a valid `YYYY-MM-DD` date (surrounding spaces are ignored).
    pub fn normalize_answer(
        &self,
        kind: &QuestionKind,
        raw: &str,
    ) -> Result<Secret, AnswerRejection> {
        match kind {
            QuestionKind::Date => {
                let t = raw.trim();
                if is_valid_date(t) {
                    Ok(Secret::from_str_copy(t))
                } else {
                    Err(AnswerRejection::InvalidDate)
                }
            }
            _ => {
                let n = normalize_text(raw);
                let chars = n.expose().chars().count();
                if chars < self.min_answer_chars {
                    Err(AnswerRejection::TooShort {
                        min: self.min_answer_chars,
                    })
                } else if chars > self.max_answer_chars {
                    Err(AnswerRejection::TooLong {
                        max: self.max_answer_chars,
                    })
                } else {
                    Ok(n)
                }
            }
        }
    }

    /// What the SDK does to an answer before comparing it, told to the user next to the answer
    /// field (English; apps that localise can key on the question kind). TEXT: case and extra
    /// spaces are ignored, accents are not (see [`normalize_text`]); DATE: `YYYY-MM-DD`.
    pub fn answer_hint(&self, kind: &QuestionKind) -> String {
        match kind {
            QuestionKind::Date => "A calendar date as YYYY-MM-DD, e.g. 1994-07-15.".to_owned(),
            _ => format!(
                "Upper/lower case and extra spaces do not matter; accents do. {} to {} characters.",
                self.min_answer_chars, self.max_answer_chars
            ),
        }
    }

    /// Checks an optional hint against the (normalised) answer: it must not contain it.
    /// Returns the trimmed hint, or `None` when the hint is empty.
    pub fn check_hint(
        &self,
        hint: Option<&str>,
        normalized_answer: &Secret,
    ) -> Result<Option<String>, AnswerRejection> {
        let Some(h) = hint.map(str::trim).filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        if h.chars().count() > self.max_hint_chars {
            return Err(AnswerRejection::HintTooLong {
                max: self.max_hint_chars,
            });
        }
        let nh = normalize_text(h);
        // Compare with spaces removed as well, so "p a r i s" does not leak "paris".
        let squash = |s: &str| -> Zeroizing<String> {
            Zeroizing::new(
                s.chars()
                    .filter(|c| !c.is_whitespace() && *c != '-')
                    .collect(),
            )
        };
        let (sh, sa) = (squash(nh.expose()), squash(normalized_answer.expose()));
        if !sa.is_empty() && sh.contains(sa.as_str()) {
            return Err(AnswerRejection::HintContainsAnswer);
        }
        Ok(Some(h.to_owned()))
    }

    /// Checks a choice of question ids against the catalogue: exactly `required_count`,
    /// all distinct, all known.
    pub fn check_selection<S: AsRef<str>>(
        &self,
        catalogue: &[Question],
        ids: &[S],
    ) -> Result<(), AnswerRejection> {
        for (i, id) in ids.iter().enumerate() {
            if !catalogue.iter().any(|q| q.id == id.as_ref()) {
                return Err(AnswerRejection::UnknownQuestion);
            }
            if ids[..i].iter().any(|o| o.as_ref() == id.as_ref()) {
                return Err(AnswerRejection::DuplicateQuestion);
            }
        }
        if ids.len() != self.required_count {
            return Err(AnswerRejection::WrongQuestionCount {
                required: self.required_count,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_normalisation_table() {
        let cases = [
            ("  Paris ", "paris"),
            ("paris", "paris"),
            ("PARIS", "paris"),
            ("New   York\tCity", "new york city"),
            ("Straße", "strasse"),
            ("ＦＵＬＬ", "full"),
            ("ﬁsh", "fish"),
            ("Ǆemal", "džemal"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_text(raw).expose(), want, "case {raw:?}");
        }
    }

    /// The hint tells the truth about the normalisation: each claim is checked against it.
    #[test]
    fn answer_hint_matches_what_normalisation_does() {
        let p = QuestionPolicy::default();
        let text = p.answer_hint(&QuestionKind::Text);
        assert_eq!(
            text,
            "Upper/lower case and extra spaces do not matter; accents do. 2 to 100 characters."
        );
        // "case and extra spaces do not matter"
        assert_eq!(
            normalize_text("  Elm   STREET ").expose(),
            normalize_text("elm street").expose()
        );
        // "accents do"
        assert_ne!(
            normalize_text("Café").expose(),
            normalize_text("Cafe").expose()
        );
        // "2 to 100 characters"
        assert!(p.normalize_answer(&QuestionKind::Text, "ab").is_ok());
        assert!(p.normalize_answer(&QuestionKind::Text, "a").is_err());
        assert!(p
            .normalize_answer(&QuestionKind::Text, &"a".repeat(100))
            .is_ok());
        assert!(p
            .normalize_answer(&QuestionKind::Text, &"a".repeat(101))
            .is_err());
        // DATE: the example in the hint is accepted as written.
        let date = p.answer_hint(&QuestionKind::Date);
        assert!(date.contains("YYYY-MM-DD"));
        assert!(p
            .normalize_answer(&QuestionKind::Date, "1994-07-15")
            .is_ok());
        assert!(date.contains("1994-07-15"));
        // An unknown kind is answered as text (the flow treats it so).
        assert_eq!(p.answer_hint(&QuestionKind::Unknown("COLOUR".into())), text);
    }

    #[test]
    fn answer_rules_table() {
        let p = QuestionPolicy::default();
        let t = QuestionKind::Text;
        let d = QuestionKind::Date;
        assert_eq!(p.normalize_answer(&t, " Rex ").unwrap().expose(), "rex");
        assert_eq!(
            p.normalize_answer(&t, " x "),
            Err(AnswerRejection::TooShort { min: 2 })
        );
        assert_eq!(
            p.normalize_answer(&t, "   "),
            Err(AnswerRejection::TooShort { min: 2 })
        );
        assert_eq!(
            p.normalize_answer(&t, &"a".repeat(101)),
            Err(AnswerRejection::TooLong { max: 100 })
        );
        assert_eq!(
            p.normalize_answer(&d, " 2001-02-28 ").unwrap().expose(),
            "2001-02-28"
        );
        assert_eq!(
            p.normalize_answer(&d, "2000-02-29").unwrap().expose(),
            "2000-02-29"
        );
        for bad in [
            "1900-02-29",
            "2001-13-01",
            "2001-00-10",
            "2001-04-31",
            "01-02-2001",
            "2001/02/03",
            "yesterday",
            "0999-01-01",
            "2001-1-01",
        ] {
            assert_eq!(
                p.normalize_answer(&d, bad),
                Err(AnswerRejection::InvalidDate),
                "{bad}"
            );
        }
    }

    #[test]
    fn hint_rules() {
        let p = QuestionPolicy::default();
        let a = normalize_text("Paris");
        assert_eq!(p.check_hint(None, &a), Ok(None));
        assert_eq!(p.check_hint(Some("  "), &a), Ok(None));
        assert_eq!(
            p.check_hint(Some(" capital "), &a),
            Ok(Some("capital".into()))
        );
        for bad in ["PARIS", "it is paris!", "p a r i s"] {
            assert_eq!(
                p.check_hint(Some(bad), &a),
                Err(AnswerRejection::HintContainsAnswer),
                "{bad}"
            );
        }
        assert_eq!(
            p.check_hint(Some(&"h".repeat(101)), &a),
            Err(AnswerRejection::HintTooLong { max: 100 })
        );
        assert_eq!(
            AnswerRejection::HintContainsAnswer.code(),
            ErrorCode::HintEqualsAnswer
        );
    }

    #[test]
    fn selection_rules() {
        let p = QuestionPolicy::default();
        let c = default_catalogue();
        assert_eq!(p.check_selection(&c, &["q01", "q10"]), Ok(()));
        assert_eq!(
            p.check_selection(&c, &["q01"]),
            Err(AnswerRejection::WrongQuestionCount { required: 2 })
        );
        assert_eq!(
            p.check_selection(&c, &["q01", "q01"]),
            Err(AnswerRejection::DuplicateQuestion)
        );
        assert_eq!(
            p.check_selection(&c, &["q01", "nope"]),
            Err(AnswerRejection::UnknownQuestion)
        );
    }

    #[test]
    fn catalogue_ids_unique() {
        let c = default_catalogue();
        for (i, q) in c.iter().enumerate() {
            assert!(c[..i].iter().all(|o| o.id != q.id));
        }
    }
}
