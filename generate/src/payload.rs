//! Webhook bodies shaped like the vendor's real ones (`sample-logs/outbound_call.ndjson`): the
//! full field sets of `dialog_create` and `dialog_close`, the five short fields of
//! `dialog_state_update`, and a few events of other kinds. Built with serde_json so names with
//! quotes or non-ASCII letters are escaped exactly as a JSON encoder would.

use serde_json::{json, Value};

/// Who a leg belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A consultant of the contact center.
    Consultant(Person),
    /// The client, by phone number.
    Client(String),
    /// An automated leg (`BOT`, `SYSTEM`…), by type.
    Machine(&'static str),
}

/// A consultant and their project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Tenant user id.
    pub id: u32,
    /// Login name.
    pub username: String,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Project name.
    pub project: String,
    /// Project id.
    pub project_id: u32,
}

/// One leg as the payloads describe it.
#[derive(Debug, Clone)]
pub struct LegSpec {
    /// `dialog_uuid`.
    pub uuid: String,
    /// Whose leg.
    pub party: Party,
    /// `INBOUND` or `OUTBOUND` as the business sees the call.
    pub business_direction: &'static str,
    /// `initial_application_info.type`.
    pub app_type: &'static str,
    /// `caller_dialog_uuid`, when the leg has a parent (or names itself, for inbound clients).
    pub caller: Option<String>,
    /// The number the project dials from or is reached at.
    pub project_number: String,
    /// The consultant on the other side, seen from a client leg.
    pub peer: Option<Person>,
}

impl LegSpec {
    fn dialog_type(&self) -> &'static str {
        match &self.party {
            Party::Consultant(_) => "CONSULTANT",
            Party::Client(_) => "EXTERNAL",
            Party::Machine(kind) => kind,
        }
    }

    fn app_info(&self) -> Value {
        let mut data = json!({"caller_number": self.project_number, "callee_contact_address": self.project_number});
        if let Some(caller) = &self.caller {
            data["caller_dialog_uuid"] = json!(caller);
        }
        if let Party::Consultant(p) = &self.party {
            data["tenant_user"] = json!({"id": p.id, "username": p.username});
        }
        json!({"type": self.app_type, "side": if matches!(self.party, Party::Client(_)) {"CONTACT"} else {"USER"}, "data": data})
    }

    fn people(&self, body: &mut Value) {
        match &self.party {
            Party::Consultant(p) => {
                body["tenant_user"] = json!({"id": p.id, "username": p.username, "firstname": p.first,
                    "surname": p.last, "display_name": format!("{} {}", p.first, p.last)});
                body["project"] = json!({"id": p.project_id, "name": p.project});
            }
            Party::Client(number) => body["anonymous"] = json!({"display_name": number}),
            Party::Machine(_) => {}
        }
    }

    fn self_target(&self) -> Value {
        match &self.party {
            Party::Client(number) => json!(number),
            _ => Value::Null,
        }
    }
}

/// A `dialog_create` body.
pub fn create(time: &str, leg: &LegSpec, state: &str) -> Value {
    let peer = leg.peer.as_ref();
    let mut body = json!({
        "event_type": "user_dialog", "event_name": "dialog_create", "event_time": time,
        "direction": if leg.business_direction == "INBOUND" { "OUTBOUND" } else { "INBOUND" },
        "business_direction": leg.business_direction, "state": state,
        "dialog_type": leg.dialog_type(), "dialog_uuid": leg.uuid, "media": ["audio"],
        "self_target": leg.self_target(), "self_name": leg.self_target(),
        "peer_target": leg.project_number, "peer_name": peer.map(|p| format!("{} {}", p.first, p.last)),
        "peer_type": peer.map(|_| "CONSULTANT"), "peer_project_name": peer.map(|p| p.project.clone()),
        "peer_username": peer.map(|p| p.username.clone()), "peer_firstname": peer.map(|p| p.first.clone()),
        "peer_surname": peer.map(|p| p.last.clone()),
        "from_display_name": peer.map(|p| format!("{} {}", p.first, p.last)), "from_display_target": leg.project_number,
        "to_display_name": leg.self_target(), "to_display_target": leg.self_target(),
        "caller_contact_address": peer.map(|p| p.username.clone()), "callee_contact_address": leg.self_target(),
        "initial_link_type": if leg.business_direction == "INBOUND" { "CONTACT_EXTERNAL_LINK" } else { "WEB" },
        "initial_application_info": leg.app_info(),
    });
    leg.people(&mut body);
    body
}

/// A `dialog_state_update` body.
pub fn state(time: &str, uuid: &str, state: &str) -> Value {
    json!({"event_type": "user_dialog", "event_name": "dialog_state_update", "event_time": time,
        "dialog_uuid": uuid, "state": state})
}

/// A `dialog_close` body.
pub fn close(time: &str, leg: &LegSpec, cause: &str) -> Value {
    let mut body = json!({
        "event_type": "user_dialog", "event_name": "dialog_close", "event_time": time,
        "direction": if leg.business_direction == "INBOUND" { "OUTBOUND" } else { "INBOUND" },
        "business_direction": leg.business_direction,
        "from_display_name": leg.peer.as_ref().map(|p| format!("{} {}", p.first, p.last)),
        "from_display_target": leg.project_number, "to_display_name": leg.self_target(),
        "to_display_target": leg.self_target(), "caller_contact_address": null, "callee_contact_address": null,
        "initial_application_target_id": null, "initial_application_target_name": null,
        "initial_application_selection_id": null, "initial_application_selection_name": null,
        "initial_target_type": "EXTERNAL_CALL", "variables": {}, "close_cause": cause, "dialog_uuid": leg.uuid,
        "initial_application_info": leg.app_info(),
    });
    leg.people(&mut body);
    body
}

/// An event of a kind callflow must count and ignore.
pub fn other(time: &str, kind: u32, uuid: &str, person: &Person) -> Value {
    match kind % 4 {
        0 => {
            json!({"event_type": "user_dialog", "event_name": "dialog_hold", "event_time": time, "dialog_uuid": uuid, "hold": true})
        }
        1 => json!({"event_type": "user_system_state", "event_name": "user_system_state", "event_time": time,
            "tenant_user": {"id": person.id, "username": person.username}, "state": "BREAK"}),
        2 => {
            json!({"event_type": "voice_campaign", "event_name": "voice_campaign_record_processed", "event_time": time,
            "campaign": {"id": 12, "name": format!("Kampania {}", person.project)}, "record_id": kind})
        }
        _ => json!({"event_type": "user_dialog", "event_name": "dialog_meeting_entered", "event_time": time,
            "dialog_uuid": uuid, "meeting_uuid": uuid}),
    }
}
