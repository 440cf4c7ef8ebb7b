"""Package data: the labelled corpus (complaints.csv), its datasheet and sample CRM exports."""
