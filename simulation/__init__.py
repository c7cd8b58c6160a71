"""``hub simulate``: a deterministic synthetic workload through the hub's real services.

An area profile (``policies/profiles/nottingham.toml``, or any file in its format) says how
many children live there and how often each kind of event happens (``simulation.profile``).
The simulation draws a timeline from the profile and a seed, and plays it through the
application on a simulated clock (``simulation.engine``), so that every deadline, breach and
audit entry is what the hub would have produced: police domestic-abuse notifications and the
DART's triage, Encompass notices read by schools, missing and found reports and return home
interviews, contacts and referrals rated, researched and decided at the front door, consents,
sharing decisions, partners' reads (each audited) and break-glass (``simulation.scenarios``).
Notifications arrive through the intake, the HTTP API or Kafka (``simulation.drivers``).
Everyone is synthetic (``simulation.population``): generated names, NHS numbers in the 999
range (never issued to patients).

The simulator uses the hub only as its entry points do: through ``hub.bootstrap``'s services.
"""

from simulation.drivers import HttpPath, KafkaPath, PathFailed, Receipt
from simulation.engine import SimulatedClock, Simulation, Tally
from simulation.population import Child, Population, nhs_number
from simulation.profile import Profile, load_profile, simulated_timescales

__all__ = ["Child", "HttpPath", "KafkaPath", "PathFailed", "Population", "Profile", "Receipt",
           "SimulatedClock", "Simulation", "Tally", "load_profile", "nhs_number",
           "simulated_timescales"]
