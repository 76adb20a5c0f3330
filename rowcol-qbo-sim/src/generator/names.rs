//! Word lists for company, vendor and customer names.

/// First words of vendor names.
pub const VENDOR_FIRST: &[&str] = &[
    "Acme",
    "Summit",
    "Harbor",
    "Pioneer",
    "Bluebird",
    "Cedar",
    "Northwind",
    "Redwood",
    "Granite",
    "Silverline",
    "Evergreen",
    "Beacon",
    "Keystone",
    "Lakeside",
    "Prairie",
    "Atlas",
    "Copperleaf",
    "Driftwood",
    "Ironclad",
    "Maple",
    "O'Brien",
    "Sterling",
    "Tidewater",
    "Union",
    "Westfield",
];

/// Second words of vendor names.
pub const VENDOR_SECOND: &[&str] = &[
    "Supplies",
    "Office Products",
    "Logistics",
    "Electric",
    "Insurance",
    "Legal LLP",
    "Cloud Services",
    "Print Shop",
    "Plumbing",
    "Catering",
    "Staffing",
    "Marketing",
    "Telecom",
    "Freight",
    "Cleaning Co",
    "Hardware",
];

/// First names of customers.
pub const CUSTOMER_FIRST: &[&str] = &[
    "Amy's",
    "Bill's",
    "Cool",
    "Diego's",
    "Dukes",
    "Freeman",
    "Geeta's",
    "Jeff's",
    "John's",
    "Kate's",
    "Mark's",
    "Paulsen",
    "Pye's",
    "Rago",
    "Red Rock",
    "Rondonuwu",
    "Shara's",
    "Sushi by",
    "Travis",
    "Video",
    "Weiskopf",
    "Wedding",
    "Ana's",
    "Lena's",
    "Moe's",
];

/// Second words of customer names.
pub const CUSTOMER_SECOND: &[&str] = &[
    "Bird Sanctuary",
    "Windsurf Shop",
    "Cars",
    "Lawn Care",
    "Consulting",
    "Bakery",
    "Medical Supplies",
    "Fruit Stand",
    "Dental",
    "Architecture",
    "Design Studio",
    "Games",
    "Florist",
    "Bistro",
    "Fitness",
];

/// Company names for realms.
pub const COMPANY: &[&str] = &[
    "Craig's Design and Landscaping Services",
    "Blue Harbor Dental",
    "Northside Bakery",
    "Keystone Architects",
    "Lakeside Yoga Studio",
    "Granite Peak Outfitters",
    "Copperleaf Coffee Roasters",
    "Prairie Home Builders",
    "Tidewater Marine Repair",
    "Evergreen Pediatrics",
    "Summit IT Consulting",
    "Redwood Veterinary Clinic",
];

/// Income lines.
pub const INCOME_MEMOS: &[&str] = &[
    "Design services",
    "Monthly retainer",
    "Installation",
    "Consulting hours",
    "Maintenance plan",
    "Product sale",
];
