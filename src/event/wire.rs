//! The subset of a webhook body callflow reads, filled by either path: serde (the general
//! path) or the fast scanner, which sets it value by value through [`Slot`]s so that a line's
//! shape can be replayed on the next line like it. Both paths find their way through a body
//! by [`key`]: which keys of which objects matter, and where their values go.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::fields::{field_at, CreateFields, Field};
use super::{parse_event_time, CallEvent, CallView, EventKind, LineError, LineView, Parsed};

/// The subset of a webhook body callflow reads. Unknown fields are skipped.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Wire<'a> {
    event_type: Option<Cow<'a, str>>,
    event_name: Option<Cow<'a, str>>,
    event_time: Option<Cow<'a, str>>,
    dialog_uuid: Option<Cow<'a, str>>,
    state: Option<Cow<'a, str>>,
    close_cause: Option<Cow<'a, str>>,
    create: CreateFields<Cow<'a, str>>,
}

/// The objects of a body callflow enters: the body itself, and those holding create fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Object {
    Top,
    /// `initial_application_info`
    AppInfo,
    /// `initial_application_info.data`
    AppData,
    /// `tenant_user`
    TenantUser,
    /// `project`
    Project,
}

/// What a key of an object is to callflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    /// A needed string.
    Field(Slot),
    /// An object it enters, and the key, as serde names a field in its messages.
    Object(Object, &'static str),
    /// A string the serde struct of the object reads but nothing uses: `Named` serves both
    /// `tenant_user` and `project`, so each has the other's key. Repeated, it is still a
    /// duplicate field.
    Unused,
    /// Anything else: skipped.
    Other,
}

/// What `key` of `object` is: the create fields' keys come from their declaration, the
/// event's own fields and the objects are listed here, as the serde structs below read them.
#[inline]
pub(super) fn key(object: Object, key: &str) -> Key {
    if let Some(field) = field_at(object, key) {
        return Key::Field(Slot::Create(field));
    }
    let slot = match (object, key) {
        (Object::Top, "event_type") => Slot::EventType,
        (Object::Top, "event_name") => Slot::EventName,
        (Object::Top, "event_time") => Slot::EventTime,
        (Object::Top, "dialog_uuid") => Slot::DialogUuid,
        (Object::Top, "state") => Slot::State,
        (Object::Top, "close_cause") => Slot::CloseCause,
        (Object::Top, "initial_application_info") => return Key::Object(Object::AppInfo, "initial_application_info"),
        (Object::AppInfo, "data") => return Key::Object(Object::AppData, "data"),
        (Object::Top, "tenant_user") => return Key::Object(Object::TenantUser, "tenant_user"),
        (Object::Top, "project") => return Key::Object(Object::Project, "project"),
        (Object::TenantUser | Object::Project, "username" | "name") => return Key::Unused,
        _ => return Key::Other,
    };
    Key::Field(slot)
}

/// Where a needed string goes in a [`Wire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    EventType,
    EventName,
    EventTime,
    DialogUuid,
    State,
    CloseCause,
    Create(Field),
}

impl Slot {
    /// Its key, as serde names a field in its messages.
    fn key(self) -> &'static str {
        match self {
            Slot::EventType => "event_type",
            Slot::EventName => "event_name",
            Slot::EventTime => "event_time",
            Slot::DialogUuid => "dialog_uuid",
            Slot::State => "state",
            Slot::CloseCause => "close_cause",
            Slot::Create(field) => field.key(),
        }
    }
}

/// The keys of one object seen so far: serde rejects a key it reads seen twice.
#[derive(Debug, Default)]
pub(super) struct Seen(u64);

impl Seen {
    /// Marks `key` as seen; `false` when it was already.
    #[inline]
    pub(super) fn first(&mut self, key: Key) -> bool {
        let bit = match key {
            Key::Field(slot) => slot.index(),
            Key::Object(object, _) => 48 + object as u32,
            // An object has one unused key at most.
            Key::Unused => 56,
            Key::Other => return true,
        };
        let mask = 1u64 << bit;
        let first = self.0 & mask == 0;
        self.0 |= mask;
        first
    }
}

impl Slot {
    /// A number of its own below 48.
    fn index(self) -> u32 {
        match self {
            Slot::EventType => 0,
            Slot::EventName => 1,
            Slot::EventTime => 2,
            Slot::DialogUuid => 3,
            Slot::State => 4,
            Slot::CloseCause => 5,
            Slot::Create(field) => 6 + field as u32,
        }
    }
}

/// `initial_application_info`, as the general path reads it.
#[derive(Debug, Default, PartialEq, Deserialize)]
struct AppInfo<'a> {
    #[serde(default, borrow)]
    data: Option<AppData<'a>>,
}

/// `initial_application_info.data`.
#[derive(Debug, Default, PartialEq, Deserialize)]
struct AppData<'a> {
    #[serde(default, borrow, deserialize_with = "lenient")]
    caller_dialog_uuid: Option<Cow<'a, str>>,
}

/// `tenant_user` and `project`: one struct for both, which reads both keys in each.
#[derive(Debug, Default, PartialEq, Deserialize)]
struct Named<'a> {
    #[serde(default, borrow, deserialize_with = "lenient")]
    username: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    name: Option<Cow<'a, str>>,
}

impl<'a> Wire<'a> {
    /// What the line is, borrowed from this wire: the one place the rules live (which
    /// events are call events, which fields each needs, what a create carries).
    pub(super) fn view(&self) -> Result<LineView<'_>, LineError> {
        let event_type = text(&self.event_type).ok_or(LineError::Missing("event_type"))?;
        let event_name = text(&self.event_name).ok_or(LineError::Missing("event_name"))?;
        let kind = match (event_type, event_name) {
            ("user_dialog", "dialog_create") => EventKind::Create,
            ("user_dialog", "dialog_state_update") => EventKind::State,
            ("user_dialog", "dialog_close") => EventKind::Close,
            _ => return Ok(LineView::Other(event_name)),
        };
        let dialog_uuid = text(&self.dialog_uuid).ok_or(LineError::Missing("dialog_uuid"))?;
        let raw_time = text(&self.event_time).ok_or(LineError::Missing("event_time"))?;
        let time = parse_event_time(raw_time).ok_or_else(|| LineError::BadTime(raw_time.to_owned()))?;
        if kind == EventKind::State && self.state.is_none() {
            return Err(LineError::Missing("state"));
        }
        Ok(LineView::Call(CallView {
            dialog_uuid,
            kind,
            time,
            state: text(&self.state),
            close_cause: if kind == EventKind::Close { text(&self.close_cause) } else { None },
            create: (kind == EventKind::Create).then(|| self.create.view()),
        }))
    }

    /// The same as [`Wire::view`], owning what it can: the fields move out of the wire.
    pub(super) fn into_parsed(self) -> Result<Parsed<'a>, LineError> {
        let (kind, time) = match self.view()? {
            LineView::Call(call) => (call.kind, call.time),
            _ => return Ok(Parsed::Other(self.event_name.unwrap_or_default())),
        };
        Ok(Parsed::Call(CallEvent {
            dialog_uuid: self.dialog_uuid.unwrap_or_default(),
            kind,
            time,
            state: self.state,
            close_cause: if kind == EventKind::Close { self.close_cause } else { None },
            create: (kind == EventKind::Create).then_some(self.create),
        }))
    }
}

fn text<'w>(field: &'w Option<Cow<'_, str>>) -> Option<&'w str> {
    field.as_deref()
}

/// A string field that tolerates other JSON types: a number becomes its text, anything
/// else (null, bool, object, array) becomes absent.
fn lenient<'de, D>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(LenientStr)
}

struct LenientStr;

impl<'de> Visitor<'de> for LenientStr {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Wire<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Wire", &[], WireVisitor)
    }
}

/// Reads the body's keys as serde's derive would for a struct of the needed fields (each
/// at most once) and the objects' serde structs, skipping the rest.
struct WireVisitor;

impl<'de> Visitor<'de> for WireVisitor {
    type Value = Wire<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Wire")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut wire, mut seen) = (Wire::default(), Seen::default());
        while let Some(found) = map.next_key_seed(TopKey)? {
            if !seen.first(found) {
                let name = match found {
                    Key::Field(slot) => slot.key(),
                    Key::Object(_, name) => name,
                    Key::Unused | Key::Other => "",
                };
                return Err(de::Error::duplicate_field(name));
            }
            match found {
                Key::Field(slot) => *wire.target(slot) = map.next_value_seed(Lenient)?,
                Key::Object(Object::AppInfo, _) => {
                    let data = map.next_value::<Option<AppInfo<'de>>>()?.and_then(|info| info.data);
                    wire.store(Object::AppData, "caller_dialog_uuid", data.and_then(|data| data.caller_dialog_uuid));
                }
                // `tenant_user` or `project`.
                Key::Object(object, _) => {
                    let named = map.next_value::<Option<Named<'de>>>()?.unwrap_or_default();
                    wire.store(object, "username", named.username);
                    wire.store(object, "name", named.name);
                }
                Key::Unused | Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(wire)
    }
}

/// A key of the body, read without copying it.
struct TopKey;

impl<'de> DeserializeSeed<'de> for TopKey {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for TopKey {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(key(Object::Top, v))
    }
}

/// [`lenient`] as a seed, for values read one by one.
struct Lenient;

impl<'de> DeserializeSeed<'de> for Lenient {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        lenient(deserializer)
    }
}

impl<'a> Wire<'a> {
    /// Sets a needed string.
    pub(super) fn set(&mut self, slot: Slot, value: Cow<'a, str>) {
        *self.target(slot) = Some(value);
    }

    /// Sets a needed string borrowed from the line. Taking the text in two registers, not a
    /// `Cow` through memory, spares a stalled load per value on the hot path.
    #[inline]
    pub(super) fn set_borrowed(&mut self, slot: Slot, value: &'a str) {
        *self.target(slot) = Some(Cow::Borrowed(value));
    }

    /// Keeps the string read at `key` of `object`, if a create field is there.
    fn store(&mut self, object: Object, key: &str, value: Option<Cow<'a, str>>) {
        if let Some(field) = field_at(object, key) {
            *self.create.get_mut(field) = value;
        }
    }

    #[inline]
    fn target(&mut self, slot: Slot) -> &mut Option<Cow<'a, str>> {
        match slot {
            Slot::EventType => &mut self.event_type,
            Slot::EventName => &mut self.event_name,
            Slot::EventTime => &mut self.event_time,
            Slot::DialogUuid => &mut self.dialog_uuid,
            Slot::State => &mut self.state,
            Slot::CloseCause => &mut self.close_cause,
            Slot::Create(field) => self.create.get_mut(field),
        }
    }
}
