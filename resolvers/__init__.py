"""Every operation of casetrail as plain keyword-only functions taking a Unit."""
