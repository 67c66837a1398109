//! One call of each kind, as timed webhook bodies plus the figures `docs/figures.md` gives them.
//!
//! The truth is written down from the scenario itself (who talked when, who hung up), not
//! computed from the events, so tests can hold callflow's rebuilt figures against it. Every
//! scenario avoids ties that input order would have to break: one `HANGUP` at most, and no
//! state update in the same second as a close of the same leg.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::payload::{self, LegSpec, Party, Person};
use super::Truth;

/// The kinds of call the generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A consultant calls a client, who answers.
    OutboundAnswered,
    /// A consultant calls a client, who does not answer (or is busy).
    OutboundUnanswered,
    /// A client calls in; one to three consultants are offered in turn, the last answers.
    InboundAnswered,
    /// A client calls in and hangs up before anyone answers.
    InboundAbandoned,
    /// A client calls in, a consultant answers and transfers the call to another.
    Transfer,
    /// A client calls in and talks to a bot only.
    Bot,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 6] = [
        Kind::OutboundAnswered,
        Kind::OutboundUnanswered,
        Kind::InboundAnswered,
        Kind::InboundAbandoned,
        Kind::Transfer,
        Kind::Bot,
    ];

    /// Picks a kind with realistic weights.
    pub fn pick(rng: &mut ChaCha8Rng) -> Kind {
        match rng.random_range(0..100) {
            0..30 => Kind::OutboundAnswered,
            30..45 => Kind::OutboundUnanswered,
            45..75 => Kind::InboundAnswered,
            75..85 => Kind::InboundAbandoned,
            85..95 => Kind::Transfer,
            _ => Kind::Bot,
        }
    }
}

/// A call being written: its events with their times, and its truth.
pub struct Call {
    /// (time, body) in the order they happen.
    pub events: Vec<(i64, Value)>,
    /// What callflow must report.
    pub truth: Truth,
}

/// Builds one call of `kind` starting at `t0`.
pub struct Builder<'a> {
    rng: &'a mut ChaCha8Rng,
    people: &'a [Person],
    events: Vec<(i64, Value)>,
    legs: Vec<String>,
}

impl<'a> Builder<'a> {
    /// A builder drawing from `rng` and the consultant pool.
    pub fn new(rng: &'a mut ChaCha8Rng, people: &'a [Person]) -> Self {
        Builder { rng, people, events: Vec::new(), legs: Vec::new() }
    }

    /// Makes the call.
    pub fn build(mut self, kind: Kind, t0: i64) -> Call {
        let truth = match kind {
            Kind::OutboundAnswered => self.outbound(t0, true),
            Kind::OutboundUnanswered => self.outbound(t0, false),
            Kind::InboundAnswered => self.inbound_answered(t0),
            Kind::InboundAbandoned => self.inbound_abandoned(t0),
            Kind::Transfer => self.transfer(t0),
            Kind::Bot => self.bot(t0),
        };
        Call { events: self.events, truth: Truth { legs: self.legs, kind, ..truth } }
    }

    fn uuid(&mut self) -> String {
        let v: u128 = self.rng.random();
        let h = format!("{v:032x}");
        format!("{}-{}-4{}-{}-{}", &h[..8], &h[8..12], &h[13..16], &h[16..20], &h[20..32])
    }

    fn person(&mut self) -> Person {
        self.people[self.rng.random_range(0..self.people.len())].clone()
    }

    fn number(&mut self) -> String {
        format!("48{:09}", self.rng.random_range(500_000_000u32..899_999_999))
    }

    fn leg(&mut self, party: Party, direction: &'static str, app_type: &'static str, caller: Option<&str>) -> LegSpec {
        let uuid = self.uuid();
        self.legs.push(uuid.clone());
        LegSpec {
            caller: caller.map(str::to_owned).or_else(|| (app_type == "EXTERNAL_INBOUND_CALL").then(|| uuid.clone())),
            uuid,
            party,
            business_direction: direction,
            app_type,
            project_number: "48221234567".into(),
            peer: None,
        }
    }

    fn at(&mut self, time: i64, body: Value) {
        self.events.push((time, body));
    }

    fn create(&mut self, time: i64, leg: &LegSpec, state: &str) {
        let body = payload::create(&stamp(time), leg, state);
        self.at(time, body);
    }

    fn state(&mut self, time: i64, leg: &LegSpec, state: &str) {
        let body = payload::state(&stamp(time), &leg.uuid, state);
        self.at(time, body);
    }

    fn close(&mut self, time: i64, leg: &LegSpec, cause: &str) {
        let body = payload::close(&stamp(time), leg, cause);
        self.at(time, body);
    }

    /// Closes a conversation between `a` and `b` at `end`: the one who hangs up first.
    fn hang_up(&mut self, end: i64, hanger: &LegSpec, other: &LegSpec) {
        self.close(end, hanger, "HANGUP");
        self.close(end, other, "DIALOG_LEFT");
    }

    fn outbound(&mut self, t0: i64, answered: bool) -> Truth {
        let person = self.person();
        let k = self.leg(Party::Consultant(person.clone()), "OUTBOUND", "WEB_USER_CALL", None);
        let number = self.number();
        let mut e = self.leg(Party::Client(number.clone()), "OUTBOUND", "EXTERNAL_OUTBOUND_CALL", Some(&k.uuid));
        e.peer = Some(person.clone());
        self.create(t0, &k, "ringing");
        let dialled = t0 + self.rng.random_range(1..7);
        self.create(dialled, &e, "ringing");
        self.state(dialled, &e, "alerting");
        let rang = dialled + self.rng.random_range(3..30);
        let mut truth = Truth::new(&k.uuid, "OUTBOUND", t0, &person, Some(number));
        if answered {
            self.state(rang, &e, "answered");
            self.state(rang, &e, "talking");
            self.state(rang, &k, "talking");
            let end = rang + self.rng.random_range(5..600);
            let client_hangs_up = self.rng.random_bool(0.6);
            let (hanger, other) = if client_hangs_up { (&e, &k) } else { (&k, &e) };
            self.hang_up(end, hanger, other);
            truth.answered(rang, end, if client_hangs_up { "client" } else { "consultant" });
        } else if self.rng.random_bool(0.5) {
            self.hang_up(rang, &k, &e);
            truth.unanswered(rang, "consultant");
        } else {
            let cause = if self.rng.random_bool(0.5) { "BUSY" } else { "NO_ANSWER" };
            self.close(rang, &e, cause);
            self.close(rang, &k, "DIALOG_LEFT");
            truth.unanswered(rang, "none");
        }
        truth
    }

    /// The client's inbound leg, picked up by the platform (as in the vendor's samples).
    fn inbound_client(&mut self, t0: i64) -> (LegSpec, String) {
        let number = self.number();
        let c = self.leg(Party::Client(number.clone()), "INBOUND", "EXTERNAL_INBOUND_CALL", None);
        self.create(t0, &c, "ringing");
        let picked_up = t0 + self.rng.random_range(0..2);
        self.state(picked_up, &c, "answered");
        (c, number)
    }

    /// Offers the call to a consultant at `t`: their leg alerts.
    fn offer(&mut self, t: i64, parent: &str, app_type: &'static str) -> (LegSpec, Person) {
        let person = self.person();
        let k = self.leg(Party::Consultant(person.clone()), "INBOUND", app_type, Some(parent));
        self.create(t, &k, "alerting");
        self.state(t, &k, "alerting");
        (k, person)
    }

    fn inbound_answered(&mut self, t0: i64) -> Truth {
        let (c, number) = self.inbound_client(t0);
        let mut t = t0 + self.rng.random_range(2..9);
        for _ in 1..self.rng.random_range(1..4) {
            let (missed, _) = self.offer(t, &c.uuid, "QUEUE_CALL");
            let gave_up = t + self.rng.random_range(10..21);
            self.close(gave_up, &missed, "NO_ANSWER");
            t = gave_up + self.rng.random_range(1..4);
        }
        let (k, person) = self.offer(t, &c.uuid, "QUEUE_CALL");
        let answered = t + self.rng.random_range(3..16);
        self.state(answered, &k, "answered");
        self.state(answered, &k, "talking");
        self.state(answered, &c, "talking");
        let end = answered + self.rng.random_range(10..900);
        let client_hangs_up = self.rng.random_bool(0.65);
        let (hanger, other) = if client_hangs_up { (&c, &k) } else { (&k, &c) };
        self.hang_up(end, hanger, other);
        let mut truth = Truth::new(&c.uuid, "INBOUND", t0, &person, Some(number));
        truth.answered(answered, end, if client_hangs_up { "client" } else { "consultant" });
        truth
    }

    fn inbound_abandoned(&mut self, t0: i64) -> Truth {
        let (c, number) = self.inbound_client(t0);
        let mut truth = Truth::new(&c.uuid, "INBOUND", t0, &self.people[0], Some(number));
        if self.rng.random_bool(0.7) {
            let offered = t0 + self.rng.random_range(3..9);
            let (k, person) = self.offer(offered, &c.uuid, "QUEUE_CALL");
            let end = t0 + self.rng.random_range(12..40);
            self.hang_up(end, &c, &k);
            truth = Truth { consultant: Some(person.username.clone()), project: Some(person.project.clone()), ..truth };
            truth.unanswered(end, "client");
        } else {
            let end = t0 + self.rng.random_range(5..40);
            self.close(end, &c, "HANGUP");
            truth = Truth { consultant: None, project: None, ..truth };
            truth.unanswered(end, "client");
        }
        truth
    }

    fn transfer(&mut self, t0: i64) -> Truth {
        let (c, number) = self.inbound_client(t0);
        let offered = t0 + self.rng.random_range(2..9);
        let (k1, _) = self.offer(offered, &c.uuid, "QUEUE_CALL");
        let answered = self.events.last().map_or(t0, |e| e.0) + self.rng.random_range(3..12);
        self.state(answered, &k1, "answered");
        self.state(answered, &k1, "talking");
        self.state(answered, &c, "talking");
        let transferred = answered + self.rng.random_range(20..120);
        let (k2, person) = self.offer(transferred, &k1.uuid, "TRANSFER_CALL");
        let taken = self.events.last().map_or(t0, |e| e.0) + self.rng.random_range(3..11);
        self.state(taken, &k2, "answered");
        self.state(taken, &k2, "talking");
        self.close(taken, &k1, "TRANSFER");
        let end = taken + self.rng.random_range(10..600);
        let client_hangs_up = self.rng.random_bool(0.5);
        let (hanger, other) = if client_hangs_up { (&c, &k2) } else { (&k2, &c) };
        self.hang_up(end, hanger, other);
        let mut truth = Truth::new(&c.uuid, "INBOUND", t0, &person, Some(number));
        truth.answered(answered, end, if client_hangs_up { "client" } else { "consultant" });
        truth
    }

    fn bot(&mut self, t0: i64) -> Truth {
        let (c, number) = self.inbound_client(t0);
        let b = self.leg(Party::Machine("BOT"), "INBOUND", "IVR_CALL", Some(&c.uuid.clone()));
        let answered = t0 + 2;
        self.create(answered, &b, "ringing");
        self.state(answered, &b, "talking");
        self.state(answered, &c, "talking");
        let end = answered + self.rng.random_range(10..120);
        let client_hangs_up = self.rng.random_bool(0.7);
        let (hanger, other) = if client_hangs_up { (&c, &b) } else { (&b, &c) };
        self.hang_up(end, hanger, other);
        let truth = Truth::new(&c.uuid, "INBOUND", t0, &self.people[0], Some(number));
        let mut truth = Truth { consultant: None, project: None, ..truth };
        truth.answered(answered, end, if client_hangs_up { "client" } else { "bot" });
        truth
    }
}

/// `event_time` text of a Unix time.
pub fn stamp(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default().format("%Y-%m-%d %H:%M:%S").to_string()
}
