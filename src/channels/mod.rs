//! Where citizens' messages come in: the public web form (and, later, Zalo OA and Facebook Page webhooks).
pub mod form;
