"""Back office batch work: AutoPay drafts, NACHA origination files, ACH returns, delinquency."""
