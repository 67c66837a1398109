//! What a `dialog_create` says about its leg, declared once: [`CreateFields`], one generic
//! struct that every stage fills with its own kind of string (the line's text or its
//! unescaped copy, a block's [`Local`](crate::model::intern::Local), the run's
//! [`Sym`](crate::model::Sym)), and where in the webhook body each field is read.
//!
//! The declaration below is the only list of create fields. From it come the struct, the
//! conversions from stage to stage ([`CreateFields::map`], [`CreateFields::with_parent`]),
//! and the key each path looks for: the fast scanner and the serde path both ask
//! [`field_at`] which field a key of an object holds.
//!
//! To add a field: add one line to the declaration (its doc, its name, the object it sits in
//! and its key there), and a test that reads its value in a call's figures. A string at the
//! top level of the body is then read by both paths and reaches every stage up to
//! [`LegInfo`](crate::model::LegInfo); the test here that builds a line from the declaration
//! checks it on every path. A field inside `tenant_user`, `project` or
//! `initial_application_info.data` takes more, all in `wire.rs`, whose serde structs for
//! those objects mirror what the general path has always read: the key in the object's
//! struct, where the visitor stores it, and (for the struct `Named`, which serves two objects)
//! among the keys [`wire::key`](super::wire::key) calls unused in the other object. A field in
//! an object not entered yet needs that object added to [`Object`] and to the same places.
//! The property test and fuzz target comparing the two paths catch a step left out.
//!
//! The parent link (`caller_dialog_uuid`) is declared apart: it is the one field whose type
//! changes on its own (a leg key in a block, the parent's uuid in the model).

use super::wire::Object;

/// Declares the create fields: each is `name = Object "key"`, with its doc.
macro_rules! create_fields {
    ($($(#[doc = $doc:literal])* $name:ident = $object:ident $key:literal,)*) => {
        /// What a `dialog_create` says about its leg: the parent link of type `P`, and the
        /// leg's description as strings of type `S`. Absent fields are `None`. The fields are
        /// declared in one list, beside which the source says how to add one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct CreateFields<S, P = S> {
            /// The parent leg: `initial_application_info.data.caller_dialog_uuid` (an inbound
            /// client leg names itself there).
            pub parent: Option<P>,
            $($(#[doc = $doc])* pub $name: Option<S>,)*
        }

        impl<S, P> Default for CreateFields<S, P> {
            fn default() -> Self {
                CreateFields { parent: None, $($name: None,)* }
            }
        }

        impl<S, P> CreateFields<S, P> {
            /// Every string of the description through `each`; the parent as it is.
            #[inline]
            pub fn map<T>(self, mut each: impl FnMut(S) -> T) -> CreateFields<T, P> {
                CreateFields { parent: self.parent, $($name: self.$name.map(&mut each),)* }
            }

            /// The same description with `parent` as its parent.
            #[inline]
            pub(crate) fn with_parent<Q>(self, parent: Option<Q>) -> CreateFields<S, Q> {
                CreateFields { parent, $($name: self.$name,)* }
            }

            /// The same fields, borrowed.
            #[inline]
            pub fn as_ref(&self) -> CreateFields<&S, &P> {
                CreateFields { parent: self.parent.as_ref(), $($name: self.$name.as_ref(),)* }
            }
        }

        /// A field of [`CreateFields`], by its name.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum Field {
            parent,
            $($name,)*
        }

        // Each has a bit of its own among the keys of an object (`wire::Seen`).
        const _: () = assert!([$(stringify!($name),)*].len() < 41);

        impl Field {
            /// Every field, in declaration order.
            #[cfg(test)]
            pub(super) const ALL: &'static [Field] = &[Field::parent, $(Field::$name,)*];

            /// Its key in its object, as serde names a field in its messages.
            pub(super) fn key(self) -> &'static str {
                match self {
                    Field::parent => "caller_dialog_uuid",
                    $(Field::$name => $key,)*
                }
            }
        }

        impl<S> CreateFields<S> {
            /// The value of `field`.
            #[inline]
            pub(super) fn get_mut(&mut self, field: Field) -> &mut Option<S> {
                match field {
                    Field::parent => &mut self.parent,
                    $(Field::$name => &mut self.$name,)*
                }
            }
        }

        impl<S: AsRef<str>, P: AsRef<str>> CreateFields<S, P> {
            /// The fields as members of a webhook body, each in its object: what a line that
            /// says this must hold, for a state file that carries legs between runs.
            pub(crate) fn write_body(&self, body: &mut serde_json::Map<String, serde_json::Value>) {
                if let Some(parent) = &self.parent {
                    member(body, Object::AppData, "caller_dialog_uuid", parent.as_ref());
                }
                $(if let Some(value) = &self.$name {
                    member(body, Object::$object, $key, value.as_ref());
                })*
            }
        }

        /// The field that `key` of `object` holds, if any.
        #[inline]
        pub(super) fn field_at(object: Object, key: &str) -> Option<Field> {
            match (object, key) {
                (Object::AppData, "caller_dialog_uuid") => Some(Field::parent),
                $((Object::$object, $key) => Some(Field::$name),)*
                _ => None,
            }
        }
    };
}

/// Sets `key` of `object` in a webhook body to `value`, making the object as needed.
fn member(body: &mut serde_json::Map<String, serde_json::Value>, object: Object, key: &str, value: &str) {
    let path: &[&str] = match object {
        Object::Top => &[],
        Object::AppInfo => &["initial_application_info"],
        Object::AppData => &["initial_application_info", "data"],
        Object::TenantUser => &["tenant_user"],
        Object::Project => &["project"],
    };
    let mut at = body;
    for name in path {
        let slot = at.entry(*name).or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if !slot.is_object() {
            *slot = serde_json::Value::Object(serde_json::Map::new());
        }
        match slot.as_object_mut() {
            Some(inner) => at = inner,
            None => return,
        }
    }
    at.insert(key.to_owned(), serde_json::Value::String(value.to_owned()));
}

create_fields! {
    /// `dialog_type`: `CONSULTANT`, `EXTERNAL`, or another type kept verbatim.
    dialog_type = Top "dialog_type",
    /// `business_direction`: `INBOUND` / `OUTBOUND` as the business sees the call.
    business_direction = Top "business_direction",
    /// `self_target`: the party's own number or address (the client's number on `EXTERNAL`
    /// legs).
    self_target = Top "self_target",
    /// `peer_username`: the consultant seen from a client leg.
    peer_username = Top "peer_username",
    /// `peer_project_name`: the project seen from a client leg.
    peer_project_name = Top "peer_project_name",
    /// `tenant_user.username`: the consultant of a consultant leg.
    username = TenantUser "username",
    /// `project.name`: the project of a consultant leg.
    project = Project "name",
}

impl<S: AsRef<str>> CreateFields<S> {
    /// The same fields as `&str`.
    #[inline]
    pub fn view(&self) -> CreateFields<&str> {
        self.as_ref().map(|s| s.as_ref()).with_parent(self.parent.as_ref().map(|p| p.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{parse_block_lines, parse_general, parse_line, Line, LineView};

    /// The object a field is read in.
    fn place(field: Field) -> Object {
        let objects = [Object::Top, Object::AppInfo, Object::AppData, Object::TenantUser, Object::Project];
        let found = objects.into_iter().find(|&object| field_at(object, field.key()) == Some(field));
        found.unwrap_or_else(|| panic!("{field:?} is read nowhere"))
    }

    /// A create with the value `v<n>` at the place of the `n`th declared field.
    fn create_with_every_field() -> String {
        let within = |object: Object| -> Vec<String> {
            let fields = Field::ALL.iter().enumerate().filter(|&(_, &field)| place(field) == object);
            fields.map(|(n, field)| format!(r#""{}":"v{n}""#, field.key())).collect()
        };
        let mut top = vec![
            r#""event_type":"user_dialog","event_name":"dialog_create","event_time":"2020-08-25 16:24:47""#.to_owned(),
            r#""dialog_uuid":"a","state":"ringing""#.to_owned(),
        ];
        top.extend(within(Object::Top));
        top.push(format!(r#""initial_application_info":{{"data":{{{}}}}}"#, within(Object::AppData).join(",")));
        top.push(format!(r#""tenant_user":{{{}}}"#, within(Object::TenantUser).join(",")));
        top.push(format!(r#""project":{{{}}}"#, within(Object::Project).join(",")));
        format!("{{{}}}", top.join(","))
    }

    fn values(line: LineView<'_>) -> Vec<Option<String>> {
        let Line::Call(event) = line else { panic!("not a call event: {line:?}") };
        let mut create = event.create.expect("a create");
        Field::ALL.iter().map(|&field| create.get_mut(field).map(str::to_owned)).collect()
    }

    /// A declared field is read from its place by every path: the fast one (walked, and
    /// replayed from its shape), the general one, and a block.
    #[test]
    fn every_declared_field_is_read_by_every_path() {
        let line = create_with_every_field();
        let expected: Vec<Option<String>> = (0..Field::ALL.len()).map(|n| Some(format!("v{n}"))).collect();
        assert_eq!(values(parse_line(line.as_bytes()).unwrap().view()), expected, "{line}");
        assert_eq!(values(parse_general(line.as_bytes()).unwrap().view()), expected, "{line}");
        let mut block = Vec::new();
        parse_block_lines(format!("{line}\n{line}").as_bytes(), 1 << 20, |result| block.push(values(result.unwrap())));
        assert_eq!(block, [expected.clone(), expected]);
    }

    #[test]
    fn conversions_keep_every_field_in_its_place() {
        let mut fields = CreateFields::<usize>::default();
        for (n, &field) in Field::ALL.iter().enumerate() {
            *fields.get_mut(field) = Some(n);
        }
        let shifted = fields.map(|n| n + 100).with_parent(Some("p"));
        assert_eq!((shifted.parent, shifted.dialog_type, shifted.project), (Some("p"), Some(101), Some(107)));
        assert_eq!(fields.as_ref().map(|n| *n).with_parent(fields.parent), fields);
    }
}
