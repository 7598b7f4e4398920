"""Descent guidance: closed-form polynomial/gravity-turn laws and fuel-optimal convex guidance."""
from lunapole.descent.guidance.convex import ConvexPlanner, ConvexSolution, ConvexVehicle
from lunapole.descent.guidance.polynomial import gravity_turn_direction, polynomial_acceleration, time_to_go_s

__all__ = ["ConvexPlanner", "ConvexSolution", "ConvexVehicle", "gravity_turn_direction", "polynomial_acceleration",
           "time_to_go_s"]
