"""SLA clocks: business calendars, response and resolution targets per priority, deadlines on incidents,
and the monitor that announces warnings and breaches."""
