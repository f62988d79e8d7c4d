"""The ground floor: conventions every app shares and that know no app (the transactional outbox)."""
