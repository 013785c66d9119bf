-- Each intake replica takes ticket numbers in blocks of 64 (one nextval per block instead of
-- one per complaint); numbers stay unique, and a block cut short by a restart leaves a gap,
-- which tickets allow.
ALTER SEQUENCE ticket_seq INCREMENT BY 64;
