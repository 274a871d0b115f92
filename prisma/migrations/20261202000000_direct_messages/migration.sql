-- A page DM is now queued as operation 'dm' (the row's channel_id holds the user id), instead of
-- a 'post' whose channel_id happened to look like a user id. Pending rows queued before this
-- release are marked the same way, so none is delivered to a channel named after a user.
UPDATE "slack_posts" SET "operation" = 'dm' WHERE "operation" = 'post' AND "channel_id" ~ '^[UW][A-Z0-9]+$';
