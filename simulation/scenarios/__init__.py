"""What each service's people do in a simulation, planned on the engine's timeline: police
notifications and the DART (``domestic_abuse``), missing episodes and return interviews
(``missing``), contacts at the front door and partners' reads (``front_door``), and child
protection plans (``child_protection``)."""
