const _: () = {
    #[automatically_derived]
    impl ::orm_core::__private::Model for Loan {
        fn meta() -> &'static ::orm_core::__private::ModelMeta {
            static COLUMNS: [::orm_core::__private::ColumnMeta; 4usize] = [
                ::orm_core::__private::ColumnMeta {
                    field: "id",
                    name: "id",
                    sql_type: <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::SQL_TYPE,
                    nullable: <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::NULLABLE,
                    primary_key: true,
                    autoincrement: <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::NULLABLE
                        && matches!(
                            < Option < i64 > as ::orm_core::__private::ColumnType >
                            ::SQL_TYPE, ::orm_core::__private::SqlType::Integer
                        ),
                    unique: false,
                    foreign_key: ::std::option::Option::None,
                    index: ::std::option::Option::None,
                    on_delete: ::std::option::Option::None,
                    on_update: ::std::option::Option::None,
                    version: false,
                    server_default: ::std::option::Option::None,
                    default: ::std::option::Option::None,
                },
                ::orm_core::__private::ColumnMeta {
                    field: "created",
                    name: "created",
                    sql_type: <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::SQL_TYPE,
                    nullable: false,
                    primary_key: false,
                    autoincrement: false,
                    unique: false,
                    foreign_key: ::std::option::Option::None,
                    index: ::std::option::Option::None,
                    on_delete: ::std::option::Option::None,
                    on_update: ::std::option::Option::None,
                    version: false,
                    server_default: ::std::option::Option::Some("CURRENT_TIMESTAMP"),
                    default: ::std::option::Option::None,
                },
                ::orm_core::__private::ColumnMeta {
                    field: "renewals",
                    name: "renewals",
                    sql_type: <Option<
                        i32,
                    > as ::orm_core::__private::ColumnType>::SQL_TYPE,
                    nullable: <Option<
                        i32,
                    > as ::orm_core::__private::ColumnType>::NULLABLE,
                    primary_key: false,
                    autoincrement: false,
                    unique: false,
                    foreign_key: ::std::option::Option::None,
                    index: ::std::option::Option::None,
                    on_delete: ::std::option::Option::None,
                    on_update: ::std::option::Option::None,
                    version: false,
                    server_default: ::std::option::Option::None,
                    default: ::std::option::Option::Some({
                        fn default() -> ::orm_core::__private::Result<
                            ::orm_core::__private::Value,
                        > {
                            ::orm_core::__private::default_value::<i32>(0)
                        }
                        default
                    }),
                },
                ::orm_core::__private::ColumnMeta {
                    field: "code",
                    name: "code",
                    sql_type: <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::SQL_TYPE,
                    nullable: <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::NULLABLE,
                    primary_key: false,
                    autoincrement: false,
                    unique: false,
                    foreign_key: ::std::option::Option::None,
                    index: ::std::option::Option::None,
                    on_delete: ::std::option::Option::None,
                    on_update: ::std::option::Option::None,
                    version: false,
                    server_default: ::std::option::Option::None,
                    default: ::std::option::Option::Some({
                        fn default() -> ::orm_core::__private::Result<
                            ::orm_core::__private::Value,
                        > {
                            ::orm_core::__private::default_value::<String>(next_code())
                        }
                        default
                    }),
                },
            ];
            static RELATIONSHIPS: [::orm_core::__private::RelationshipMeta; 0usize] = [];
            static META: ::orm_core::__private::ModelMeta = ::orm_core::__private::ModelMeta {
                name: "Loan",
                table: "loan",
                columns: &COLUMNS,
                relationships: &RELATIONSHIPS,
                constraints: &[],
                get: <Loan as ::orm_core::__private::Model>::meta,
                construct: ::orm_core::__private::construct::<Loan>,
            };
            &META
        }
        fn column_value(
            &self,
            index: usize,
        ) -> ::orm_core::__private::Result<::orm_core::__private::Value> {
            match index {
                0usize => {
                    <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::try_to_value(&self.id)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "id",
                            e,
                        ))
                }
                1usize => {
                    <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::try_to_value(&self.created)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "created",
                            e,
                        ))
                }
                2usize => {
                    <Option<
                        i32,
                    > as ::orm_core::__private::ColumnType>::try_to_value(&self.renewals)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "renewals",
                            e,
                        ))
                }
                3usize => {
                    <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::try_to_value(&self.code)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "code",
                            e,
                        ))
                }
                _ => ::std::result::Result::Ok(::orm_core::__private::Value::Null),
            }
        }
        fn column_holds(
            &self,
            index: usize,
            value: &::orm_core::__private::Value,
        ) -> bool {
            match index {
                0usize => {
                    <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::holds(&self.id, value)
                }
                1usize => {
                    <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::holds(&self.created, value)
                }
                2usize => {
                    <Option<
                        i32,
                    > as ::orm_core::__private::ColumnType>::holds(&self.renewals, value)
                }
                3usize => {
                    <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::holds(&self.code, value)
                }
                _ => value.is_null(),
            }
        }
        fn set_column_value(
            &mut self,
            index: usize,
            value: ::orm_core::__private::Value,
        ) -> ::orm_core::__private::Result<()> {
            match index {
                0usize => {
                    self.id = <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::from_value(value)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "id",
                            e,
                        ))?;
                    ::std::result::Result::Ok(())
                }
                1usize => {
                    self.created = <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::from_value(value)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "created",
                            e,
                        ))?;
                    ::std::result::Result::Ok(())
                }
                2usize => {
                    self.renewals = <Option<
                        i32,
                    > as ::orm_core::__private::ColumnType>::from_value(value)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "renewals",
                            e,
                        ))?;
                    ::std::result::Result::Ok(())
                }
                3usize => {
                    self.code = <Option<
                        String,
                    > as ::orm_core::__private::ColumnType>::from_value(value)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Loan",
                            "code",
                            e,
                        ))?;
                    ::std::result::Result::Ok(())
                }
                _ => {
                    ::std::result::Result::Err(
                        ::orm_core::__private::Error::Internal(
                            ::std::format!("{} has no column #{}", "Loan", index),
                        ),
                    )
                }
            }
        }
        fn from_values(
            values: ::std::vec::Vec<::orm_core::__private::Value>,
        ) -> ::orm_core::__private::Result<Self> {
            let mut values = values.into_iter();
            ::std::result::Result::Ok(Loan {
                id: <Option<
                    i64,
                > as ::orm_core::__private::ColumnType>::from_value(
                        ::orm_core::__private::next_value(&mut values)?,
                    )
                    .map_err(|e| ::orm_core::__private::column_error("Loan", "id", e))?,
                created: <Option<
                    String,
                > as ::orm_core::__private::ColumnType>::from_value(
                        ::orm_core::__private::next_value(&mut values)?,
                    )
                    .map_err(|e| ::orm_core::__private::column_error(
                        "Loan",
                        "created",
                        e,
                    ))?,
                renewals: <Option<
                    i32,
                > as ::orm_core::__private::ColumnType>::from_value(
                        ::orm_core::__private::next_value(&mut values)?,
                    )
                    .map_err(|e| ::orm_core::__private::column_error(
                        "Loan",
                        "renewals",
                        e,
                    ))?,
                code: <Option<
                    String,
                > as ::orm_core::__private::ColumnType>::from_value(
                        ::orm_core::__private::next_value(&mut values)?,
                    )
                    .map_err(|e| ::orm_core::__private::column_error("Loan", "code", e))?,
            })
        }
        fn relationship(
            &self,
            index: usize,
        ) -> ::std::option::Option<
            &(dyn ::orm_core::__private::RelationshipField + 'static),
        > {
            match index {
                _ => ::std::option::Option::None,
            }
        }
        fn relationship_mut(
            &mut self,
            index: usize,
        ) -> ::std::option::Option<
            &mut (dyn ::orm_core::__private::RelationshipField + 'static),
        > {
            match index {
                _ => ::std::option::Option::None,
            }
        }
    }
    #[allow(non_upper_case_globals, dead_code)]
    impl Loan {
        ///The `loan.id` column, for queries.
        pub const id: ::orm_core::__private::Col<Loan, Option<i64>> = ::orm_core::__private::Col::new(
            0usize,
        );
        ///The `loan.created` column, for queries.
        pub const created: ::orm_core::__private::Col<Loan, Option<String>> = ::orm_core::__private::Col::new(
            1usize,
        );
        ///The `loan.renewals` column, for queries.
        pub const renewals: ::orm_core::__private::Col<Loan, Option<i32>> = ::orm_core::__private::Col::new(
            2usize,
        );
        ///The `loan.code` column, for queries.
        pub const code: ::orm_core::__private::Col<Loan, Option<String>> = ::orm_core::__private::Col::new(
            3usize,
        );
    }
    ::orm_core::__private::inventory::submit! {
        ::orm_core::__private::ModelRegistration(< Loan as ::orm_core::__private::Model >
        ::meta)
    }
};
