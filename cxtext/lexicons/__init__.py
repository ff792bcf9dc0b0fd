"""Hand-written lexicons shipped with cxtext (churn cues, driver seed terms)."""
