//! Decoders for bounces written by mail server software (one file per MTA).

mod apachejames;
pub(crate) mod common;
mod dragonfly;
mod exim;
mod fml;
mod opensmtpd;
mod postfix;
mod qmail;
mod sendmail;

use super::Decoder;

/// This family's decoders, tried in order.
pub static ALL: &[&dyn Decoder] = &[
    &exim::Exim,
    &qmail::Qmail,
    &dragonfly::DragonFly,
    &postfix::Postfix,
    &sendmail::Sendmail,
    &opensmtpd::OpenSmtpd,
    &fml::Fml,
    &apachejames::ApacheJames,
];
