"""explain-denied: AccessDenied messages (``message``) -> which policy blocks and the smallest
template change where an identity policy can fix it (``explain``)."""
