//! comb's dev ledger (issue 3, in progress): a deterministic state machine that plays Swarm's
//! contracts. Modules arrive in the following commits.
