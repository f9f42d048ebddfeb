//! C plugins (next).
