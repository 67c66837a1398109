//! callflow: rebuild calls from Conpeek call-center webhook logs.
