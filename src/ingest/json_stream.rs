//! JSON documents read as they arrive: blank space outside strings is dropped as it streams in
//! (so memory follows what a document holds, not its layout), and a run file's members are cut
//! into values — each element of its arrays on its own — that serde reads one at a time.
//!
//! This is framing, not parsing: it follows strings, escapes and nesting to find where each value
//! ends; serde_json parses every value and reports its errors.

/// Drops JSON's insignificant blank space (outside strings), as bytes stream through.
#[derive(Default)]
pub struct Compactor {
    in_string: bool,
    escape: bool,
}

impl Compactor {
    /// Appends `input` without its blank space outside strings to `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut start = 0;
        for (i, &b) in input.iter().enumerate() {
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
            } else if b == b'"' {
                self.in_string = true;
            } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                out.extend_from_slice(&input[start..i]);
                start = i + 1;
            }
        }
        out.extend_from_slice(&input[start..]);
    }
}

/// What the framer found in a top-level object.
pub enum Member<'a> {
    /// A member's whole value (not an array), compact JSON.
    Value(&'a str, &'a [u8]),
    /// One element of a member whose value is an array, compact JSON.
    Element(&'a str, &'a [u8]),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Before the opening `{`.
    Start,
    /// Expecting a key (or `}` for an empty object).
    Key,
    /// Inside a key string.
    InKey,
    /// Expecting `:`.
    Colon,
    /// Expecting a value.
    ValueStart,
    /// Inside a value that is not an array.
    Value,
    /// Inside an array value, before an element (or `]`).
    ElementStart,
    /// Inside an array element.
    Element,
    /// After a value: `,` or `}`.
    AfterValue,
    /// After the closing `}`.
    End,
}

/// Cuts a top-level JSON object (compact bytes, as [`Compactor`] gives) into members, and the
/// arrays among them into elements.
pub struct ObjectFramer {
    state: State,
    key: Vec<u8>,
    key_text: String,
    value: Vec<u8>,
    /// Nesting inside the current value or element.
    depth: u32,
    in_string: bool,
    escape: bool,
    /// Largest value or element kept, bytes.
    max_value: usize,
    /// Compact bytes taken so far.
    offset: u64,
}

impl ObjectFramer {
    /// A framer that refuses values or elements longer than `max_value` bytes.
    pub fn new(max_value: usize) -> ObjectFramer {
        ObjectFramer {
            state: State::Start,
            key: Vec::new(),
            key_text: String::new(),
            value: Vec::new(),
            depth: 0,
            in_string: false,
            escape: false,
            max_value,
            offset: 0,
        }
    }

    /// True once the closing `}` was read.
    pub fn ended(&self) -> bool {
        self.state == State::End
    }

    fn syntax(&self, what: &str) -> String {
        format!(
            "invalid JSON at byte {} (blank space not counted): {what}",
            self.offset
        )
    }

    /// Takes compact bytes; `f` gets each member or element as it completes. `Err` says what is
    /// wrong and where.
    pub fn push(
        &mut self,
        input: &[u8],
        f: &mut dyn FnMut(Member) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String> {
        for &b in input {
            self.offset += 1;
            match self.state {
                State::Start => match b {
                    b'{' => self.state = State::Key,
                    _ => return Err(self.syntax("a run file is a JSON object")),
                },
                State::Key => match b {
                    b'"' => {
                        self.key.clear();
                        self.key.push(b);
                        self.state = State::InKey;
                    }
                    b'}' => self.state = State::End,
                    _ => return Err(self.syntax("expected a key")),
                },
                State::InKey => {
                    self.key.push(b);
                    if self.escape {
                        self.escape = false;
                    } else if b == b'\\' {
                        self.escape = true;
                    } else if b == b'"' {
                        self.key_text = serde_json::from_slice(&self.key)
                            .map_err(|e| self.syntax(&format!("bad key ({e})")))?;
                        self.state = State::Colon;
                    }
                    if self.key.len() > 64 * 1024 {
                        return Err(self.syntax("a key longer than 64 KB"));
                    }
                }
                State::Colon => match b {
                    b':' => self.state = State::ValueStart,
                    _ => return Err(self.syntax("expected ':' after a key")),
                },
                State::ValueStart => {
                    self.value.clear();
                    if b == b'[' {
                        self.state = State::ElementStart;
                    } else {
                        self.state = State::Value;
                        self.take(b, f)?;
                    }
                }
                State::ElementStart => {
                    if b == b']' {
                        self.state = State::AfterValue;
                    } else {
                        self.value.clear();
                        self.state = State::Element;
                        self.take(b, f)?;
                    }
                }
                State::Value | State::Element => self.take(b, f)?,
                State::AfterValue => match b {
                    b',' => self.state = State::Key,
                    b'}' => self.state = State::End,
                    _ => return Err(self.syntax("expected ',' or '}' after a value")),
                },
                State::End => {
                    return Err(self.syntax("more content after the end of the run file"));
                }
            }
        }
        Ok(())
    }

    /// A byte inside a value or element.
    fn take(
        &mut self,
        b: u8,
        f: &mut dyn FnMut(Member) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String> {
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
            }
        } else {
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth > 0 => self.depth -= 1,
                b',' if self.depth > 0 => {}
                // The end of this value: a delimiter at its own level.
                b',' | b'}' | b']' => {
                    let element = self.state == State::Element;
                    let closes = if element { b']' } else { b'}' };
                    if b != b',' && b != closes {
                        return Err(self.syntax("mismatched bracket"));
                    }
                    let member = if element {
                        Member::Element(&self.key_text, &self.value)
                    } else {
                        Member::Value(&self.key_text, &self.value)
                    };
                    f(member)?;
                    self.state = match (element, b) {
                        (true, b',') => State::ElementStart,
                        (true, _) => State::AfterValue,
                        (false, b',') => State::Key,
                        (false, _) => State::End,
                    };
                    return Ok(());
                }
                _ => {}
            }
        }
        if self.value.len() >= self.max_value {
            return Err(format!(
                "the member \"{}\" holds a value longer than {}: more than a run file holds",
                self.key_text,
                crate::model::units::format_bytes(self.max_value as f64)
            ));
        }
        self.value.push(b);
        Ok(())
    }

    /// End of input: an error if the object is not complete.
    pub fn finish(&self) -> std::result::Result<(), String> {
        match self.state {
            State::End => Ok(()),
            State::Start => Err("no JSON object".into()),
            _ => Err(format!(
                "the JSON is cut off after {} bytes (blank space not counted): the file is truncated",
                self.offset
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> std::result::Result<Vec<String>, String> {
        let mut compact = Vec::new();
        Compactor::default().push(text.as_bytes(), &mut compact);
        let mut out = Vec::new();
        let mut fr = ObjectFramer::new(1 << 20);
        // One byte at a time: the framer keeps its state across pushes.
        for b in &compact {
            fr.push(std::slice::from_ref(b), &mut |m| {
                out.push(match m {
                    Member::Value(k, v) => format!("{k}={}", String::from_utf8_lossy(v)),
                    Member::Element(k, v) => format!("{k}[]={}", String::from_utf8_lossy(v)),
                });
                Ok(())
            })?;
        }
        fr.finish()?;
        Ok(out)
    }

    #[test]
    fn members_and_elements_of_any_layout() {
        let got = frame(
            "{ \"format\" : \"a b\\\" ]}\",\n \"meta\": {\"x\": [1, {\"y\": 2}]},\n \"tasks\": [ {\"id\": 1}, {\"id\": [2, 3]} ], \"empty\": [], \"n\": -1.5e3 }",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                r#"format="a b\" ]}""#,
                r#"meta={"x":[1,{"y":2}]}"#,
                r#"tasks[]={"id":1}"#,
                r#"tasks[]={"id":[2,3]}"#,
                "n=-1.5e3",
            ]
        );
        assert!(frame("{\"a\":1,").unwrap_err().contains("cut off"));
        assert!(frame("{\"a\":1}}").unwrap_err().contains("after the end"));
        assert!(frame("{\"a\" 1}").unwrap_err().contains("expected ':'"));
        assert!(frame("[1]").unwrap_err().contains("object"));
        assert!(frame("{\"a\":[1}").unwrap_err().contains("mismatched"));
    }
}
