"""批后监管: sold land followed through imagery (status per scene, idle land, findings)."""
