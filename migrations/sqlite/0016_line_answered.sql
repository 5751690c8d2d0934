-- Drop in: the call the person called answered with "I'm here" (its `called_at`), so that the
-- call's ten-minute timeout, even one already being delivered on another replica, does not send
-- them to the back of the line while they are talking.
ALTER TABLE line ADD COLUMN answered_call TEXT;
