//! Scripted OpenAI-compatible server (in progress).
