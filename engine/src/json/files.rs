//! The data files of a compile request as hosts send them (spec §21):
//! `{"contracts.csv": "customer,model,price\n..."}`.

use serde_json::Value as Json;

use crate::data_files::DataFiles;
use crate::error::{ErrorKind, EvalError, EvalResult};

impl DataFiles {
    /// Reads `{"NAME": "TEXT", ...}` (`null` is no files). Anything else is an
    /// `invalid_request` error naming what is wrong.
    pub fn from_json(json: &Json) -> EvalResult<DataFiles> {
        let invalid = |message: String| EvalError::new(ErrorKind::InvalidRequest, message);
        let object = match json {
            Json::Null => return Ok(DataFiles::new()),
            Json::Object(object) => object,
            _ => {
                return Err(invalid(
                    "`files` must be an object of file names and their texts".into(),
                ));
            }
        };
        let mut files = DataFiles::new();
        for (name, text) in object {
            let Some(text) = text.as_str() else {
                return Err(invalid(format!("`files.{name}` must be the file's text")));
            };
            files.insert(name.clone(), text);
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_names_and_texts() {
        let files = DataFiles::from_json(&json!({"a.csv": "k,v\r\nx,1\r\n"})).unwrap();
        assert_eq!(files.get("a.csv"), Some("k,v\nx,1\n"));
        assert!(DataFiles::from_json(&Json::Null).unwrap().is_empty());
        let e = DataFiles::from_json(&json!({"a.csv": 1})).unwrap_err();
        assert!(e.message.contains("`files.a.csv`"), "{}", e.message);
        assert!(DataFiles::from_json(&json!(["a"])).is_err());
    }
}
