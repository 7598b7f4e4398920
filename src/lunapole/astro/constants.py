"""Physical constants, SI units. Sources in each comment."""

# Lunar GM and reference radius of the GRAIL field GRGM1200A (PDS SHADR header; shared/facts/missions.md).
MOON_GM_M3_S2 = 4.9028001224453e12
MOON_GRAVITY_REF_RADIUS_M = 1738.0e3
# IAU mean radius: the sphere of LOLA products and of altitudes when no terrain is loaded.
MOON_MEAN_RADIUS_M = 1737.4e3
# Mean sidereal rotation rate (IAU WGCCRE 2009: W rate 13.17635815 deg/day).
MOON_ROTATION_RATE_RAD_S = 13.17635815 * 3.141592653589793 / 180.0 / 86400.0

# DE421 GM values (km^3/s^2 -> m^3/s^2), Folkner et al. 2008 (JPL IOM 343R-08-003).
EARTH_GM_M3_S2 = 398600.435436e9
SUN_GM_M3_S2 = 132712440040.944e9

# Standard gravity for Isp <-> exhaust velocity (BIPM).
G0_M_S2 = 9.80665
# Astronomical unit (IAU 2012 B2) and solar radiation pressure at 1 AU (1361 W/m^2 / c).
AU_M = 149597870700.0
SOLAR_PRESSURE_1AU_N_M2 = 1361.0 / 299792458.0

J2000_JD = 2451545.0
SECONDS_PER_DAY = 86400.0
