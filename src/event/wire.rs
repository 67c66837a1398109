//! The subset of a webhook body callflow reads, filled by either path: the serde derive (the
//! general path) or the fast scanner, which sets it value by value through [`Slot`]s and
//! [`Part`]s so that a line's shape can be replayed on the next line like it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::{parse_event_time, CallEvent, CallView, CreateFields, CreateView, EventKind, LineError, LineView, Parsed};

/// The subset of a webhook body callflow reads. Unknown fields are skipped.
#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct Wire<'a> {
    #[serde(default, borrow, deserialize_with = "lenient")]
    event_type: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    event_name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    event_time: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    dialog_uuid: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    state: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    close_cause: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    dialog_type: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    business_direction: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    self_target: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    peer_username: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "lenient")]
    peer_project_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    initial_application_info: Option<AppInfo<'a>>,
    #[serde(default, borrow)]
    tenant_user: Option<Named<'a>>,
    #[serde(default, borrow)]
    project: Option<Named<'a>>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct AppInfo<'a> {
    #[serde(default, borrow)]
    data: Option<AppData<'a>>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct AppData<'a> {
    #[serde(default, borrow, deserialize_with = "lenient")]
    caller_dialog_uuid: Option<Cow<'a, str>>,
}

/// `tenant_user` carries `username`, `project` carries `name`.
#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct Named<'a> {
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
        let create = (kind == EventKind::Create).then(|| CreateView {
            parent: self.app_data_ref().and_then(|data| data.caller_dialog_uuid.as_deref()),
            dialog_type: text(&self.dialog_type),
            business_direction: text(&self.business_direction),
            self_target: text(&self.self_target),
            peer_username: text(&self.peer_username),
            peer_project_name: text(&self.peer_project_name),
            username: self.tenant_user.as_ref().and_then(|user| user.username.as_deref()),
            project: self.project.as_ref().and_then(|project| project.name.as_deref()),
        });
        Ok(LineView::Call(CallView {
            dialog_uuid,
            kind,
            time,
            state: text(&self.state),
            close_cause: if kind == EventKind::Close { text(&self.close_cause) } else { None },
            create,
        }))
    }

    fn app_data_ref(&self) -> Option<&AppData<'a>> {
        self.initial_application_info.as_ref()?.data.as_ref()
    }

    /// The same as [`Wire::view`], owning what it can: the fields move out of the wire.
    pub(super) fn into_parsed(self) -> Result<Parsed<'a>, LineError> {
        let (kind, time) = match self.view()? {
            LineView::Call(call) => (call.kind, call.time),
            _ => return Ok(Parsed::Other(self.event_name.unwrap_or_default())),
        };
        let create = (kind == EventKind::Create).then(|| CreateFields {
            parent: self.initial_application_info.and_then(|info| info.data).and_then(|data| data.caller_dialog_uuid),
            dialog_type: self.dialog_type,
            business_direction: self.business_direction,
            self_target: self.self_target,
            peer_username: self.peer_username,
            peer_project_name: self.peer_project_name,
            username: self.tenant_user.and_then(|user| user.username),
            project: self.project.and_then(|project| project.name),
        });
        Ok(Parsed::Call(CallEvent {
            dialog_uuid: self.dialog_uuid.unwrap_or_default(),
            kind,
            time,
            state: self.state,
            close_cause: if kind == EventKind::Close { self.close_cause } else { None },
            create,
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

/// Where a needed string goes in a [`Wire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    EventType,
    EventName,
    EventTime,
    DialogUuid,
    State,
    CloseCause,
    DialogType,
    BusinessDirection,
    SelfTarget,
    PeerUsername,
    PeerProjectName,
    /// `initial_application_info.data.caller_dialog_uuid`
    CallerDialogUuid,
    /// `tenant_user.username`, and `tenant_user.name` (read, never used).
    TenantUsername,
    TenantName,
    /// `project.username` (read, never used), and `project.name`.
    ProjectUsername,
    ProjectName,
}

/// An object of a [`Wire`] that is there (not absent, not null).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    AppInfo,
    AppData,
    TenantUser,
    Project,
}

impl<'a> Wire<'a> {
    /// Marks an object as there.
    pub(super) fn mark(&mut self, part: Part) {
        match part {
            Part::AppInfo => drop(self.initial_application_info.get_or_insert_with(AppInfo::default)),
            Part::AppData => drop(self.app_data()),
            Part::TenantUser => drop(self.tenant_user.get_or_insert_with(Named::default)),
            Part::Project => drop(self.project.get_or_insert_with(Named::default)),
        }
    }

    /// Sets a needed string (its objects are marked as there).
    pub(super) fn set(&mut self, slot: Slot, value: Cow<'a, str>) {
        *self.target(slot) = Some(value);
    }

    /// Sets a needed string borrowed from the line. Taking the text in two registers, not a
    /// `Cow` through memory, spares a stalled load per value on the hot path.
    #[inline]
    pub(super) fn set_borrowed(&mut self, slot: Slot, value: &'a str) {
        *self.target(slot) = Some(Cow::Borrowed(value));
    }

    fn target(&mut self, slot: Slot) -> &mut Option<Cow<'a, str>> {
        match slot {
            Slot::EventType => &mut self.event_type,
            Slot::EventName => &mut self.event_name,
            Slot::EventTime => &mut self.event_time,
            Slot::DialogUuid => &mut self.dialog_uuid,
            Slot::State => &mut self.state,
            Slot::CloseCause => &mut self.close_cause,
            Slot::DialogType => &mut self.dialog_type,
            Slot::BusinessDirection => &mut self.business_direction,
            Slot::SelfTarget => &mut self.self_target,
            Slot::PeerUsername => &mut self.peer_username,
            Slot::PeerProjectName => &mut self.peer_project_name,
            Slot::CallerDialogUuid => &mut self.app_data().caller_dialog_uuid,
            Slot::TenantUsername => &mut self.tenant_user.get_or_insert_with(Named::default).username,
            Slot::TenantName => &mut self.tenant_user.get_or_insert_with(Named::default).name,
            Slot::ProjectUsername => &mut self.project.get_or_insert_with(Named::default).username,
            Slot::ProjectName => &mut self.project.get_or_insert_with(Named::default).name,
        }
    }

    fn app_data(&mut self) -> &mut AppData<'a> {
        let info = self.initial_application_info.get_or_insert_with(AppInfo::default);
        info.data.get_or_insert_with(AppData::default)
    }
}
